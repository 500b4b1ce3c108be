import type {
  CreateParams,
  CreateResult,
  DataProvider,
  DeleteManyParams,
  DeleteParams,
  DeleteResult,
  GetListParams,
  GetListResult,
  GetManyParams,
  GetManyReferenceParams,
  GetManyReferenceResult,
  GetManyResult,
  GetOneParams,
  GetOneResult,
  RaRecord,
  UpdateParams,
  UpdateResult,
} from 'react-admin'
import { archivedType, type ExtraListSpec, type ResourceSpec, writable } from '../resource-spec'
import { type Change, type DeletionBatch, deletionBatch, feedPage, lastSequence, trailOf } from './changes'
import { followEventStream } from './eventStream'
import { type ApiResponse, api, isApiError, query } from './http'

/** A list page as the API sends it (README, "Lists"). */
interface Page<T> {
  count: number | null
  next: string | null
  previous: string | null
  results: T[]
}

/**
 * Every record read from an item's URL carries the item's ETag here, so a save or a delete can send
 * `If-Match` for the version the operator saw: someone else's change in between is a 412, not lost.
 */
export const ETAG = '_etag'

/** A record for an id that could not be read: archived (404 `archived`), purged (410) or unknown. */
export const MISSING = '_missing'
export type Missing = 'archived' | 'purged' | 'not_found'

export interface ArchivePolicy {
  retention_days: Record<string, number>
}

/** `GET /{type}/stats` of a workflow resource (src/platform/workflow/README.md, "Stats"). */
export interface WorkflowStats {
  total: number
  by_status: Record<string, number>
  funnel: { status: string; reached: number; share: number }[]
  median_days: { from: string; to: string; moves: number; median_days: number | null }[]
  monthly: { month: string; created: number; ended: Record<string, number> }[]
}

export interface FollowFeed {
  /** Changes after this sequence number (sent as `Last-Event-ID`). */
  after: number
  resourceType?: string
  signal: AbortSignal
  onOpen?: () => void
  /** New changes, in sequence order. */
  onChanges: (changes: Change[]) => void
  onInterrupted?: (error: Error, retryMs: number) => void
}

/** The console's calls beyond react-admin's: the archive's restore, the change log, aliases. */
export interface CustodianDataProvider extends DataProvider {
  restore(type: string, id: RaRecord['id']): Promise<RaRecord>
  policy(): Promise<ArchivePolicy>
  trail(type: string, id: RaRecord['id'], archived: boolean): Promise<Change[]>
  feed(
    after: number,
    resourceType?: string,
    signal?: AbortSignal,
  ): Promise<{ results: Change[]; full: boolean }>
  feedEnd(resourceType?: string): Promise<number>
  /** The live feed (`GET /events/stream`), followed until `signal` aborts. */
  follow(options: FollowFeed): Promise<void>
  /**
   * Moves a workflow item from the status the operator saw to another: reads its current version, and
   * unless it moved meanwhile, sends `PATCH {status}` with `If-Match`. The API judges the move.
   */
  move(type: string, id: RaRecord['id'], from: string, to: string): Promise<RaRecord>
  stats(type: string, filter?: Record<string, unknown>): Promise<WorkflowStats>
  deletionBatch(type: string, id: RaRecord['id']): Promise<DeletionBatch | null>
  addAlias(id: RaRecord['id'], alias: string, etag: string | undefined): Promise<RaRecord>
  removeAlias(id: RaRecord['id'], alias: string, etag: string | undefined): Promise<RaRecord>
}

const withEtag = (response: ApiResponse<RaRecord>): RaRecord => {
  const etag = response.headers.get('etag')
  return etag ? { ...response.json, [ETAG]: etag } : response.json
}

const ifMatch = (etag: unknown): Record<string, string> =>
  typeof etag === 'string' ? { 'if-match': etag } : {}

const equal = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)

/** A date input's `2026-05-01` as the RFC 3339 instant the API's timestamp filters take. */
const instant = (value: string) => (/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value)

/**
 * The data provider over the public API. Lists: `page`/`page_size` (→ `count`, `results`), filters as
 * query parameters, sorting as `ordering` (`-` for descending) on the fields the API orders by. Items:
 * read with their ETag, changed with a JSON merge patch of the changed fields and `If-Match`. `delete`
 * archives (the answer says what it cascaded to); on an archive resource it purges. Errors are the API's
 * problems in words (http.ts).
 */
export function createDataProvider(specs: ResourceSpec[]): CustodianDataProvider {
  const byName = new Map(specs.map((s) => [s.name, s]))
  const extras = new Map<string, ExtraListSpec>(
    specs.flatMap((s) => (s.archiveExtras ?? []).map((e) => [e.name, e] as const)),
  )

  /** The collection, item and spec a react-admin resource names: a type, or a type's archive. */
  const route = (resource: string) => {
    const archived = archivedType(resource)
    const type = archived ?? resource
    const spec = byName.get(type)
    if (!spec) throw new Error(`Unknown resource ${resource}`)
    return {
      spec,
      archived: archived !== null,
      collection: archived ? `/${type}/deleted` : `/${type}`,
      item: (id: RaRecord['id']) =>
        archived ? `/${type}/${encodeURIComponent(id)}/deleted` : `/${type}/${encodeURIComponent(id)}`,
    }
  }

  const filterParams = (spec: ResourceSpec | undefined, filter: Record<string, unknown>) => {
    const params: Record<string, string> = {}
    for (const [key, raw] of Object.entries(filter ?? {})) {
      if (raw === undefined || raw === null || raw === '' || raw === false) continue
      // The archive's quick filter: what is purged within n days.
      if (key === 'purge_within_days') {
        params.purge_before = new Date(Date.now() + Number(raw) * 86_400_000).toISOString()
        continue
      }
      const kind = spec?.filters.find((f) => f.source === key)?.kind
      // Several values (`choices`): one parameter, comma-separated (`status=saved,applied`).
      if (Array.isArray(raw)) {
        if (raw.length > 0) params[key] = raw.map(String).join(',')
        continue
      }
      const value = String(raw).trim()
      // The API searches fragments of three characters or more (a shorter one is a 400).
      if (kind === 'search' && value.length < 3) continue
      params[key] =
        kind === 'date' || key.endsWith('_after') || key.endsWith('_before') ? instant(value) : value
    }
    return params
  }

  const list = async (
    path: string,
    sortable: readonly string[],
    params: Pick<GetListParams, 'pagination' | 'sort' | 'filter'>,
    spec: ResourceSpec | undefined,
    idOf: (r: RaRecord) => RaRecord['id'] = (r) => r.id,
  ) => {
    const { page = 1, perPage = 10 } = params.pagination ?? {}
    const sort = params.sort
    const ordering =
      sort && sortable.includes(sort.field) ? `${sort.order === 'DESC' ? '-' : ''}${sort.field}` : undefined
    const { json } = await api<Page<RaRecord>>(
      `${path}${query({ page, page_size: perPage, ordering, ...filterParams(spec, params.filter) })}`,
    )
    return {
      data: json.results.map((r) => ({ ...r, id: idOf(r) })),
      total: json.count ?? undefined,
      pageInfo: { hasNextPage: json.next !== null, hasPreviousPage: json.previous !== null },
    }
  }

  const getOne = async (resource: string, id: RaRecord['id']) =>
    withEtag(await api<RaRecord>(route(resource).item(id)))

  /** The item, or a stand-in saying why it cannot be read (for references to archived or purged users). */
  const getOrMissing = async (resource: string, id: RaRecord['id']): Promise<RaRecord> => {
    try {
      return await getOne(resource, id)
    } catch (error) {
      if (!isApiError(error)) throw error
      const code = error.body.problem.code
      if (code === 'archived') return { id, [MISSING]: 'archived' }
      if (code === 'gone') return { id, [MISSING]: 'purged' }
      if (code === 'not_found') return { id, [MISSING]: 'not_found' }
      throw error
    }
  }

  /** Deletes (archives) one live item with `If-Match`: the version shown, or the current one for a list. */
  const archiveOne = async (resource: string, id: RaRecord['id'], etag: unknown) => {
    const { item } = route(resource)
    const version = typeof etag === 'string' ? etag : (await getOne(resource, id))[ETAG]
    return (await api<RaRecord>(item(id), { method: 'DELETE', headers: ifMatch(version) })).json
  }

  const getList = async (resource: string, params: GetListParams) => {
    const extra = extras.get(resource)
    if (extra) {
      const field = extra.idField
      return list(`/${extra.path}`, extra.sortable, params, undefined, (r) => r[field])
    }
    const { spec, archived, collection } = route(resource)
    const sortable = archived
      ? ['purge_at', 'id']
      : spec.fields.filter((f) => f.sortable).map((f) => f.source)
    return list(collection, sortable, params, spec)
  }

  // react-admin's methods are generic in the record type; the API's records are what they are.
  return {
    async getList<R extends RaRecord>(resource: string, params: GetListParams): Promise<GetListResult<R>> {
      const result = await getList(resource, params)
      return { ...result, data: result.data as R[] }
    },

    async getOne<R extends RaRecord>(resource: string, params: GetOneParams): Promise<GetOneResult<R>> {
      return { data: (await getOne(resource, params.id)) as R }
    },

    // The API has no "these ids" filter: one read per id (the pages ask for at most a page of them).
    async getMany<R extends RaRecord>(resource: string, params: GetManyParams): Promise<GetManyResult<R>> {
      return { data: (await Promise.all(params.ids.map((id) => getOrMissing(resource, id)))) as R[] }
    },

    async getManyReference<R extends RaRecord>(
      resource: string,
      params: GetManyReferenceParams,
    ): Promise<GetManyReferenceResult<R>> {
      const filter = { ...params.filter, [params.target]: params.id }
      const result = await getList(resource, { ...params, filter })
      return { ...result, data: result.data as R[] }
    },

    async create<R extends RaRecord>(resource: string, params: CreateParams): Promise<CreateResult<R>> {
      const { spec, collection } = route(resource)
      const body: Record<string, unknown> = {}
      for (const field of writable(spec, 'create')) {
        const value = params.data[field.source]
        if (value !== undefined && value !== null && value !== '') body[field.source] = value
      }
      return { data: withEtag(await api<RaRecord>(collection, { method: 'POST', body })) as R }
    },

    // A JSON merge patch of what the form changed, for the version the form was loaded with.
    async update<R extends RaRecord>(resource: string, params: UpdateParams): Promise<UpdateResult<R>> {
      const { spec, item } = route(resource)
      const previous = params.previousData ?? {}
      const patch: Record<string, unknown> = {}
      for (const field of writable(spec, 'edit')) {
        const value = params.data[field.source]
        if (field.kind === 'password') {
          if (typeof value === 'string' && value !== '') patch[field.source] = value
        } else if (!equal(value, previous[field.source])) {
          patch[field.source] =
            field.nullable && (value === '' || value === undefined) ? null : (value ?? null)
        }
      }
      if (Object.keys(patch).length === 0) return { data: previous as R }
      const response = await api<RaRecord>(item(params.id), {
        method: 'PATCH',
        body: patch,
        headers: { 'content-type': 'application/merge-patch+json', ...ifMatch(previous[ETAG]) },
      })
      return { data: withEtag(response) as R }
    },

    async updateMany() {
      throw new Error('Changing several items at once is not supported')
    },

    // Live: archive (the answer has `cascaded`). Archive: purge now (204).
    async delete<R extends RaRecord>(resource: string, params: DeleteParams): Promise<DeleteResult<R>> {
      const { archived, item } = route(resource)
      if (archived) {
        await api(item(params.id), { method: 'DELETE' })
        return { data: (params.previousData ?? { id: params.id }) as R }
      }
      return { data: (await archiveOne(resource, params.id, params.previousData?.[ETAG])) as R }
    },

    // One at a time, so that a failure names the item and what came before it is done.
    async deleteMany(resource: string, params: DeleteManyParams) {
      const { archived, item } = route(resource)
      const done: RaRecord['id'][] = []
      for (const id of params.ids) {
        if (archived) await api(item(id), { method: 'DELETE' })
        else await archiveOne(resource, id, undefined)
        done.push(id)
      }
      return { data: done }
    },

    async restore(type: string, id: RaRecord['id']) {
      return withEtag(await api<RaRecord>(`/${type}/${encodeURIComponent(id)}/deleted`, { method: 'POST' }))
    },

    async policy() {
      return (await api<ArchivePolicy>('/archive/policy')).json
    },

    trail: (type, id, archived) => trailOf(type, Number(id), archived),
    feed: (after, resourceType, signal) => feedPage(after, { resourceType, pageSize: 200 }, signal),
    feedEnd: (resourceType) => lastSequence(resourceType),
    deletionBatch: (type, id) => deletionBatch(type, Number(id)),

    follow: ({ after, resourceType, signal, onOpen, onChanges, onInterrupted }) =>
      followEventStream({
        path: `/events/stream${query({ resource_type: resourceType })}`,
        lastEventId: String(after),
        signal,
        onOpen,
        onInterrupted,
        onEvents: (events) => onChanges(events.map((event) => JSON.parse(event.data) as Change)),
      }),

    async move(type, id, from, to) {
      const { spec, item } = route(type)
      const field = spec.workflow?.field ?? 'status'
      const current = await getOne(type, id)
      if (current[field] !== from)
        throw new Error(
          `${spec.singular} ${spec.title(current)} is ${String(current[field])} now, no longer ${from}: ` +
            'someone moved it meanwhile. The board now shows where it is; move it from there if you still want to.',
        )
      const response = await api<RaRecord>(item(id), {
        method: 'PATCH',
        body: { [field]: to },
        headers: { 'content-type': 'application/merge-patch+json', ...ifMatch(current[ETAG]) },
      })
      return withEtag(response)
    },

    async stats(type, filter = {}) {
      const { spec } = route(type)
      return (await api<WorkflowStats>(`/${type}/stats${query(filterParams(spec, filter))}`)).json
    },

    async addAlias(id, alias, etag) {
      const path = `/documents/${encodeURIComponent(id)}/aliases/${encodeURIComponent(alias)}`
      return withEtag(await api<RaRecord>(path, { method: 'PUT', headers: ifMatch(etag) }))
    },

    async removeAlias(id, alias, etag) {
      const path = `/documents/${encodeURIComponent(id)}/aliases/${encodeURIComponent(alias)}`
      return withEtag(await api<RaRecord>(path, { method: 'DELETE', headers: ifMatch(etag) }))
    },
  }
}
