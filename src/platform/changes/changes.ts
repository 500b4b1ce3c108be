import { sql } from 'kysely'
import type { Db } from '../../db/database.js'
import type { ChangeRow } from '../../db/schema.js'
import type { Actor, IdempotencyClaim } from '../auth/actor.js'
import type { ChangeAction } from './actions.js'

/** Who made a change: the actor (null for an anonymous sign-up or the system) and the request. */
export interface ChangeContext {
  actorId: number | null
  requestId: string | null
  /** The request's Idempotency-Key: marked, in the change's transaction, as having taken effect. */
  idempotencyKey?: IdempotencyClaim | null
}

export const SYSTEM: ChangeContext = { actorId: null, requestId: null }

export const contextOf = (actor: Actor): ChangeContext => ({
  actorId: actor.id,
  requestId: actor.requestId,
  idempotencyKey: actor.idempotencyKey ?? null,
})

/** One change to record: the resource, what happened, and its state before and after. */
export interface Change {
  type: string
  id: number
  /** The user the resource belongs to (a user belongs to itself). */
  owner: number | null
  action: ChangeAction
  before?: object | null
  after?: object | null
  deletionId?: string | null
}

/** Fields that hold secrets never enter a change record, at any depth, whatever the resource. */
const SECRET = /password|secret|token/i

/** A JSON copy of a row without its secrets (dates become RFC 3339 strings). */
export function redact(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return value.map(redact)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(value)) {
    if (!SECRET.test(key) && field !== undefined) out[key] = redact(field)
  }
  return out
}

const json = (value: object | null | undefined) =>
  value == null ? null : sql<string>`${JSON.stringify(redact(value))}::text::jsonb`

/**
 * Writes the change records of one transaction. Call it once, as the transaction's last statement:
 * the insert takes the change log's ordering lock (migration 0004), held until the commit, so
 * anything done after it would keep every other writer waiting (or deadlock with them).
 */
export async function recordChanges(tx: Db, context: ChangeContext, changes: Change[]): Promise<number[]> {
  const sequences: number[] = []
  const [first] = changes
  if (context.idempotencyKey && first) {
    // Before the ordering lock: committed with the change, or not at all.
    const { scope, key } = context.idempotencyKey
    await tx
      .updateTable('idempotency_keys')
      .set({ committed_to: `${first.type}/${first.id}` })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('response_status', 'is', null)
      .execute()
  }
  // In chunks: one statement holds at most 65,535 parameters (9 a record). The ordering lock is the
  // transaction's already after the first chunk, so the chunks are numbered back to back.
  for (let start = 0; start < changes.length; start += RECORDS_PER_STATEMENT) {
    sequences.push(...(await insert(tx, context, changes.slice(start, start + RECORDS_PER_STATEMENT))))
  }
  return sequences
}

const RECORDS_PER_STATEMENT = 2000

async function insert(tx: Db, context: ChangeContext, changes: Change[]): Promise<number[]> {
  const rows = await tx
    .insertInto('changes')
    .values(
      changes.map((c) => ({
        actor_id: context.actorId,
        request_id: context.requestId,
        resource_type: c.type,
        resource_id: c.id,
        owner_id: c.owner,
        action: c.action,
        before: json(c.before),
        after: json(c.after),
        deletion_id: c.deletionId ?? null,
      })),
    )
    .returning('seq')
    .execute()
  return rows.map((r) => Number(r.seq))
}

const REDACTED = sql`
  before = CASE WHEN before IS NULL THEN NULL ELSE jsonb_build_object('id', resource_id, 'redacted', true) END,
  after = CASE WHEN after IS NULL THEN NULL ELSE jsonb_build_object('id', resource_id, 'redacted', true) END`

/**
 * Erasure of purged items: every record about them keeps its sequence, time, type, id and action, but
 * their data is replaced by `{"id", "redacted": true}`. For a purged user (GDPR art. 17) that is every
 * record about them or about anything they owned.
 */
export async function redactChangesOf(tx: Db, type: string, purgedIds: number[]): Promise<void> {
  const ids = sql`${sql.val(purgedIds)}::bigint[]`
  const about = sql`resource_type = ${type} AND resource_id = ANY(${ids})`
  await sql`
    UPDATE changes SET ${REDACTED}
    WHERE ${about}${type === 'users' ? sql` OR owner_id = ANY(${ids})` : sql``}`.execute(tx)
}

/** A change record as the API and the events show it. */
export function presentChange(row: ChangeRow) {
  return {
    sequence: row.seq,
    time: row.occurred_at.toISOString(),
    actor_id: row.actor_id,
    request_id: row.request_id,
    resource_type: row.resource_type,
    resource_id: row.resource_id,
    action: row.action,
    before: (row.before ?? null) as Record<string, unknown> | null,
    after: (row.after ?? null) as Record<string, unknown> | null,
    deletion_id: row.deletion_id,
  }
}

export type PresentedChange = ReturnType<typeof presentChange>

/** The archive's erasure hook: a purge redacts the change records about what it purged. */
export const eraseChangeRecords = async (tx: Db, items: { type: string; ids: number[] }) => {
  await redactChangesOf(tx, items.type, items.ids)
}
