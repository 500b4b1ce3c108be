import type { FastifyRequest } from 'fastify'
import type { CountKind, Cursor, PageRequest, Sort } from '../db/pagination.js'
import { fail } from './problem.js'

export const DEFAULT_PAGE_SIZE = 10
export const MAX_PAGE_SIZE = 100

const invalidCursor = (): never =>
  fail.validation([{ parameter: 'cursor', detail: 'is not a cursor issued for this list and ordering' }])

/** A cursor as the client sees it: opaque, URL-safe. */
export function encodeCursor(cursor: Cursor): string {
  const wire = { o: cursor.ordering, k: cursor.key, d: cursor.direction === 'next' ? 'n' : 'p' }
  return Buffer.from(JSON.stringify(wire)).toString('base64url')
}

/** Decodes a cursor this endpoint issued for `ordering`; anything else is a 400 naming the parameter. */
export function decodeCursor(text: string, ordering: string): Cursor {
  let wire: unknown
  try {
    wire = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    return invalidCursor()
  }
  if (typeof wire !== 'object' || wire === null) return invalidCursor()
  const { o, k, d } = wire as { o?: unknown; k?: unknown; d?: unknown }
  if (o !== ordering || (d !== 'n' && d !== 'p') || !Array.isArray(k)) return invalidCursor()
  const id = k[k.length - 1]
  if (!Number.isSafeInteger(id)) return invalidCursor()
  if (k.length === 1) return { ordering, key: [id], direction: d === 'n' ? 'next' : 'prev' }
  if (k.length !== 2 || (typeof k[0] !== 'string' && typeof k[0] !== 'number')) return invalidCursor()
  return { ordering, key: [k[0], id], direction: d === 'n' ? 'next' : 'prev' }
}

/** The count a client prefers (PostgREST's `Prefer: count=exact|estimated`), if it says. */
export function preferredCount(request: FastifyRequest): CountKind | undefined {
  const prefer = request.headers.prefer
  const match =
    typeof prefer === 'string' ? /(?:^|[,;\s])count\s*=\s*"?(exact|estimated)"?/i.exec(prefer) : null
  return match?.[1]?.toLowerCase() as CountKind | undefined
}

/** What a list query carries besides its parameters: the count the client prefers. */
export interface Counting {
  count?: CountKind
}

/** A list request's query with the count its client prefers: what the services' list methods take. */
export function listQuery<Q extends object>(request: FastifyRequest & { query: Q }): Q & Counting {
  const count = preferredCount(request)
  return count === undefined ? request.query : { ...request.query, count }
}

/**
 * The page a list request asks for, in the list's sort: a page number (default 1, its count estimated
 * unless the client prefers `exact`), or a cursor (an empty one starts cursor pagination). Sizes default to 10 and are clamped to 100. A cursor is client
 * input: one of another ordering, or whose sort value has the wrong type, is a 400.
 */
export function pageRequest(
  query: { page?: number; page_size?: number; cursor?: string; count?: CountKind },
  sort: Pick<Sort<never>, 'ordering' | 'expression' | 'accepts'>,
): PageRequest {
  const size = Math.min(query.page_size ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
  if (query.cursor === undefined)
    return { mode: 'page', page: query.page ?? 1, size, count: query.count ?? 'estimated' }
  if (query.page !== undefined)
    fail.validation([{ parameter: 'page', detail: 'cannot be combined with cursor' }])
  if (query.cursor === '') return { mode: 'cursor', size, after: null }
  const after = decodeCursor(query.cursor, sort.ordering)
  const [value] = after.key
  const keyed = sort.expression !== null
  if (keyed !== (after.key.length === 2)) invalidCursor()
  if (keyed && !(sort.accepts?.(value) ?? typeof value === 'string')) invalidCursor()
  return { mode: 'cursor', size, after }
}
