import { api, query } from './http'

/** One record of the change log (README, "The change log and events"). */
export interface Change {
  sequence: number
  time: string
  actor_id: number | null
  request_id: string | null
  resource_type: string
  resource_id: number
  action: 'created' | 'updated' | 'status_changed' | 'deleted' | 'restored' | 'purged'
  before: Record<string, unknown> | null
  after: Record<string, unknown> | null
  deletion_id: string | null
}

interface ChangeLog {
  next: string | null
  results: Change[]
}

/** Largest page the API serves (`page_size` above it is clamped). */
const MAX_PAGE = 1000

/** One page of the feed (`GET /events`, admins), after a sequence number, optionally of one type or item. */
export async function feedPage(
  after: number,
  filter: { resourceType?: string; resourceId?: number; pageSize?: number } = {},
  signal?: AbortSignal,
) {
  const { json } = await api<ChangeLog>(
    `/events${query({
      after,
      page_size: filter.pageSize ?? MAX_PAGE,
      resource_type: filter.resourceType,
      resource_id: filter.resourceId,
    })}`,
    { signal },
  )
  return { results: json.results, full: json.next !== null }
}

/** Every change of one item, oldest first, up to `limit`: its trail, or the feed's when it is archived. */
export async function trailOf(type: string, id: number, archived: boolean, limit = 5000): Promise<Change[]> {
  const records: Change[] = []
  let after = 0
  for (;;) {
    // A live item's trail is its own URL; an archived item's is hidden there (404 `archived`), so the
    // console reads it from the admins' feed, filtered to the item.
    const page = archived
      ? await feedPage(after, { resourceType: type, resourceId: id })
      : await api<ChangeLog>(`/${type}/${id}/events${query({ after, page_size: MAX_PAGE })}`).then((r) => ({
          results: r.json.results,
          full: r.json.next !== null,
        }))
    records.push(...page.results)
    const last = page.results.at(-1)
    if (!page.full || !last || records.length >= limit) return records
    after = last.sequence
  }
}

/**
 * The sequence number of the last change (0 for an empty log), found without reading the log: a binary
 * search on `after` with pages of one record, about 2·log₂(n) requests. The feed opens at the end.
 */
export async function lastSequence(resourceType?: string): Promise<number> {
  const firstAfter = async (after: number) =>
    (await feedPage(after, { resourceType, pageSize: 1 })).results[0]?.sequence
  let known = await firstAfter(0)
  if (known === undefined) return 0
  // A bound with nothing after it: double until past the end.
  let bound = known * 2
  for (let next = await firstAfter(bound); next !== undefined; next = await firstAfter(bound)) {
    known = next
    bound = next * 2
  }
  // Invariant: a change exists at `known`, none after `bound`.
  while (known < bound) {
    const middle = Math.floor((known + bound) / 2)
    const next = await firstAfter(middle)
    if (next === undefined) bound = middle
    else known = next
  }
  return known
}

/** What one delete archived together: the records sharing its deletion id. */
export interface DeletionBatch {
  deletionId: string
  time: string
  actorId: number | null
  requestId: string | null
  items: { type: string; id: number; state: Record<string, unknown> | null }[]
}

/**
 * The batch an archived item was deleted in: every item its delete (or its parent's) archived under the
 * same deletion id. The item's last `deleted` record names the deletion id. The records of one
 * transaction are numbered back to back (the change log's ordering lock, migration 0004), so the batch
 * is the run of `deleted` records with that id around it: the console reads backwards in growing
 * windows to the run's start, then forwards to its end.
 */
export async function deletionBatch(type: string, id: number, limit = 2000): Promise<DeletionBatch | null> {
  const own = await trailOf(type, id, true)
  const deleted = own.findLast((r) => r.action === 'deleted' && r.deletion_id)
  if (!deleted?.deletion_id) return null
  const inBatch = (r: Change) => r.action === 'deleted' && r.deletion_id === deleted.deletion_id

  let first = deleted.sequence
  for (let window = 64; first > 1; window *= 8) {
    const start = Math.max(0, first - 1 - window)
    const before = await range(start, first)
    let i = before.length
    while (i > 0 && inBatch(before[i - 1] as Change)) i--
    if (i < before.length) first = (before[i] as Change).sequence
    // Stop at a record outside the batch, at the log's start, or where the window holds nothing.
    if (i > 0 || start === 0 || before.length === 0) break
  }

  const items: DeletionBatch['items'] = []
  let after = first - 1
  for (;;) {
    const page = await feedPage(after)
    const run = page.results.findIndex((r) => !inBatch(r))
    const matching = run === -1 ? page.results : page.results.slice(0, run)
    for (const r of matching) items.push({ type: r.resource_type, id: r.resource_id, state: r.before })
    const last = page.results.at(-1)
    if (run !== -1 || !page.full || !last || items.length >= limit) break
    after = last.sequence
  }
  return {
    deletionId: deleted.deletion_id,
    time: deleted.time,
    actorId: deleted.actor_id,
    requestId: deleted.request_id,
    items,
  }
}

/** The changes numbered strictly between `after` and `before`. */
async function range(after: number, before: number): Promise<Change[]> {
  const out: Change[] = []
  let cursor = after
  for (;;) {
    const page = await feedPage(cursor, { pageSize: Math.min(MAX_PAGE, before - cursor - 1) || 1 })
    for (const r of page.results) {
      if (r.sequence >= before) return out
      out.push(r)
    }
    const last = page.results.at(-1)
    if (!page.full || !last) return out
    cursor = last.sequence
  }
}
