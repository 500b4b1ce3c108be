import { type RawBuilder, type SelectQueryBuilder, sql } from 'kysely'
import { LRUCache } from 'lru-cache'
import type { Db } from './database.js'

/** What the client asked for: a page number, or a keyset cursor (`after` null = the first page). */
export type PageRequest =
  | { mode: 'page'; page: number; size: number; count: CountKind }
  | { mode: 'cursor'; size: number; after: Cursor | null }

/** Where a link points: a page number or a cursor (null: the first page). The HTTP layer makes URLs of them. */
export type PageLink = { page: number } | { cursor: Cursor | null }

/**
 * How a page-number list counts its matches (PostgREST's `Prefer: count=…`): `exact` counts every
 * match; `estimated` counts exactly up to `EXACT_COUNT_UP_TO` matches and above that takes the
 * planner's estimate, so the first page of a million rows costs what it costs at ten thousand.
 */
export type CountKind = 'exact' | 'estimated'

/** Up to this many matches, an estimated count is exact (counting them stays cheap). */
export const EXACT_COUNT_UP_TO = 1000

/**
 * How long an instance reuses an estimate it made for the same filter. Counting to EXACT_COUNT_UP_TO
 * and asking the planner were two of a first page's three queries, each a round trip, and most of
 * its cost; the planner's figure itself comes from statistics that are minutes old, so seconds more
 * change nothing a reader could tell. Exact counts are never reused.
 */
export const ESTIMATE_REUSE_MS = 5_000
const estimates = new WeakMap<Db, LRUCache<string, number>>()

export interface Slice<T> {
  items: T[]
  /** Total matches; null on cursor pages, which never count (counting is what deep pages avoid). */
  count: number | null
  /** Whether `count` is exact or the planner's estimate (null on cursor pages). */
  countKind: 'exact' | 'estimated' | null
  next: PageLink | null
  previous: PageLink | null
  first: PageLink | null
  last: PageLink | null
}

/** A cursor names the ordering it was made for, the sort key of the row it stands at, and a direction. */
export interface Cursor {
  ordering: string
  key: [string | number, number] | [number]
  direction: 'next' | 'prev'
}

/**
 * The sort of a list: an `ordering` value (`last_name`, `-created_at`, …), the SQL expression it sorts
 * by (null when it sorts by id alone) and how to read that value from a row for a cursor.
 */
export interface Sort<Row> {
  ordering: string
  descending: boolean
  expression: RawBuilder<unknown> | null
  value: (row: Row) => string | number
  /** Whether a cursor's sort value has the right type (a cursor is client input). */
  accepts?: (value: string | number) => boolean
}

/** A key a list can be ordered by: a `Sort` before the client chose the direction. */
export type SortKey<Row> = Omit<Sort<Row>, 'ordering' | 'descending'>

/** A timestamp sort key: carried in cursors as RFC 3339 text, which a cursor must hold to be accepted. */
export function timestampKey<Row>(expression: RawBuilder<unknown>, value: (row: Row) => Date): SortKey<Row> {
  return {
    expression,
    value: (row) => value(row).toISOString(),
    accepts: (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)),
  }
}

/**
 * Where a missing timestamp sorts: after every real one (before them, descending). The latest instant a
 * timestamp filter or cursor can name (timestamps.ts clamps to it), so a cursor can hold it.
 */
export const NO_TIMESTAMP = '9999-12-31T23:59:59.999Z'

/**
 * The sort expression of a nullable timestamp column, `coalesce(column, NO_TIMESTAMP)`: keyset pages
 * compare `(key, id)` rows, which a NULL would make unknown (and lose rows). Indexes that serve the
 * ordering are built on this same expression (migration 0005).
 */
export const nullsLast = (column: string): RawBuilder<unknown> =>
  sql`coalesce(${sql.ref(column)}, ${sql.lit(NO_TIMESTAMP)}::timestamptz)`

/** A sort key on a nullable timestamp: missing ones last, as `NO_TIMESTAMP` in cursors. */
export function nullableTimestampKey<Row>(column: string, value: (row: Row) => Date | null): SortKey<Row> {
  return timestampKey(nullsLast(column), (row) => value(row) ?? new Date(NO_TIMESTAMP))
}

/** The sort an `ordering` value names (`-` for descending) among a list's keys; unknown: 400. */
export function sortFor<Row>(keys: Record<string, SortKey<Row>>, ordering: string): Sort<Row> {
  const descending = ordering.startsWith('-')
  const key = keys[descending ? ordering.slice(1) : ordering]
  // The route's schema lists the orderings: an unknown one here is a bug, not a bad request.
  if (!key) throw new Error(`unknown ordering ${ordering}`)
  return { ...key, ordering, descending }
}

/**
 * Runs one page of `query` (already filtered, not yet ordered). Page numbers use OFFSET and a count;
 * cursors use a keyset `(sort key, id)` comparison, so any page costs what the first one does.
 */
export async function fetchPage<Row extends { id: number }>(
  db: Db,
  // biome-ignore lint/suspicious/noExplicitAny: the helper works on any table whose rows have an id
  query: SelectQueryBuilder<any, any, Row>,
  request: PageRequest,
  sort: Sort<Row>,
  idColumn: string,
): Promise<Slice<Row>> {
  const id = sql.ref(idColumn)
  const ordered = (q: typeof query, descending: boolean) => {
    const dir = descending ? sql`DESC` : sql`ASC`
    return sort.expression
      ? q.orderBy(sql`${sort.expression} ${dir}`).orderBy(sql`${id} ${dir}`)
      : q.orderBy(sql`${id} ${dir}`)
  }

  if (request.mode === 'page') {
    const offset = (request.page - 1) * request.size
    // One row more than the page tells whether there is a next page, whatever the count's kind.
    const [rows, { count, kind }] = await Promise.all([
      ordered(query, sort.descending)
        .limit(request.size + 1)
        .offset(offset)
        .execute(),
      countMatches(db, query, request.count),
    ])
    const more = rows.length > request.size
    // An estimate may be off: the last page and the clamp of `previous` are given only for an exact count.
    const lastPage = kind === 'exact' ? Math.max(1, Math.ceil(count / request.size)) : null
    return {
      items: rows.slice(0, request.size) as Row[],
      // Never fewer than the rows this page has seen.
      count: kind === 'exact' ? count : Math.max(count, offset + rows.length),
      countKind: kind,
      next: more ? { page: request.page + 1 } : null,
      previous: request.page > 1 ? { page: Math.min(request.page - 1, lastPage ?? request.page - 1) } : null,
      first: { page: 1 },
      last: lastPage === null ? null : { page: lastPage },
    }
  }

  const { after, size } = request
  const backwards = after?.direction === 'prev'
  // Walking backwards flips the comparison and the order, then the rows are put back in list order.
  const descending = sort.descending !== backwards
  let q = query
  if (after) {
    const op = descending ? sql`<` : sql`>`
    q = sort.expression
      ? q.where(
          sql<boolean>`(${sort.expression}, ${id}) ${op} (${after.key[0]}, ${after.key[after.key.length - 1]})`,
        )
      : q.where(sql<boolean>`${id} ${op} ${after.key[0]}`)
  }
  const rows = (await ordered(q, descending)
    .limit(size + 1)
    .execute()) as Row[]
  const more = rows.length > size
  const items = more ? rows.slice(0, size) : rows
  if (backwards) items.reverse()
  const at = (row: Row, direction: Cursor['direction']): PageLink => ({
    cursor: {
      ordering: sort.ordering,
      key: sort.expression ? [sort.value(row), row.id] : [row.id],
      direction,
    },
  })
  const firstRow = items[0]
  const lastRow = items[items.length - 1]
  const hasNext = backwards ? after !== null : more
  const hasPrevious = backwards ? more : after !== null
  return {
    items,
    count: null,
    countKind: null,
    next: hasNext && lastRow ? at(lastRow, 'next') : null,
    previous: hasPrevious && firstRow ? at(firstRow, 'prev') : null,
    first: { cursor: null },
    last: null,
  }
}

/**
 * The matches of `query`: all of them counted (`exact`), or counted up to EXACT_COUNT_UP_TO and
 * estimated by the planner beyond (`estimated`; an estimate is never below what was counted).
 */
async function countMatches(
  db: Db,
  // biome-ignore lint/suspicious/noExplicitAny: any filtered query
  query: SelectQueryBuilder<any, any, unknown>,
  wanted: CountKind,
): Promise<{ count: number; kind: 'exact' | 'estimated' }> {
  const matches = query.clearSelect().select(sql<number>`1`.as('one'))
  if (wanted === 'exact') {
    const { rows } = await sql<{ count: number }>`SELECT count(*) AS count FROM (${matches}) m`.execute(db)
    return { count: Number(rows[0]?.count ?? 0), kind: 'exact' }
  }
  const { sql: text, parameters } = matches.compile()
  const key = `${text}\u0000${JSON.stringify(parameters)}`
  let reused = estimates.get(db)
  if (!reused) {
    reused = new LRUCache({ max: 1000, ttl: ESTIMATE_REUSE_MS })
    estimates.set(db, reused)
  }
  const known = reused.get(key)
  if (known !== undefined) return { count: known, kind: 'estimated' }
  const { rows } = await sql<{ count: number }>`
    SELECT count(*) AS count FROM (${matches.limit(EXACT_COUNT_UP_TO + 1)}) m`.execute(db)
  const counted = Number(rows[0]?.count ?? 0)
  if (counted <= EXACT_COUNT_UP_TO) return { count: counted, kind: 'exact' }
  const plan = await sql<{ 'QUERY PLAN': unknown }>`EXPLAIN (FORMAT JSON) ${matches}`.execute(db)
  const raw = plan.rows[0]?.['QUERY PLAN']
  const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as [{ Plan: { 'Plan Rows': number } }]
  const count = Math.max(counted, Math.round(parsed[0].Plan['Plan Rows']))
  reused.set(key, count)
  return { count, kind: 'estimated' }
}
