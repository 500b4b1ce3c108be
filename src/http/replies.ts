import type { FastifyReply, FastifyRequest } from 'fastify'
import type { PageLink, Slice } from '../db/pagination.js'
import { etag, notModified } from './conditional.js'
import { encodeCursor, preferredCount } from './pagination.js'
import type { Urls } from './urls.js'

/** RFC 7240: the client asked for no body. */
export function prefersMinimal(request: FastifyRequest): boolean {
  const prefer = request.headers.prefer
  return typeof prefer === 'string' && /(^|[,;\s])return\s*=\s*"?minimal"?/i.test(prefer)
}

/** Answers a write with no body, as `Prefer: return=minimal` asked: 204, headers only. */
export function sendMinimal(reply: FastifyReply) {
  return reply.header('preference-applied', 'return=minimal').status(204).send(null)
}

/**
 * Sends one item with its ETag. Writes honour `Prefer: return=minimal` (204, headers only);
 * reads honour `If-None-Match` (304).
 */
export function sendItem<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  item: { version: number; body: T },
  status: 200 | 201 = 200,
): T | undefined {
  reply.header('etag', etag(item.version))
  const read = request.method === 'GET' || request.method === 'HEAD'
  if (read && notModified(request.headers['if-none-match'], item.version)) {
    reply.status(304)
    return undefined
  }
  if (!read && prefersMinimal(request)) {
    sendMinimal(reply)
    return undefined
  }
  reply.status(status)
  return item.body
}

/**
 * The list envelope `{count, next, previous, results}` with absolute links built from the public base
 * URL and the request's own query (filters and ordering carry over), also sent as an RFC 8288 `Link`.
 */
export function sendPage<Row, T>(
  request: FastifyRequest,
  reply: FastifyReply,
  urls: Pick<Urls, 'withQuery'>,
  slice: Slice<Row>,
  present: (row: Row) => T,
) {
  const href = (link: PageLink | null): string | null =>
    link &&
    urls.withQuery(request.url, (params) => {
      params.delete('page')
      params.delete('cursor')
      if ('page' in link) params.set('page', String(link.page))
      else params.set('cursor', link.cursor ? encodeCursor(link.cursor) : '')
    })
  const links = {
    next: href(slice.next),
    prev: href(slice.previous),
    first: href(slice.first),
    last: href(slice.last),
  }
  const header = Object.entries(links)
    .filter(([, url]) => url !== null)
    .map(([rel, url]) => `<${url}>; rel="${rel}"`)
    .join(', ')
  if (header) reply.header('link', header)
  if (slice.countKind && preferredCount(request))
    reply.header('preference-applied', `count=${slice.countKind}`)
  return {
    count: slice.count,
    count_kind: slice.countKind,
    next: links.next,
    previous: links.prev,
    results: slice.items.map(present),
  }
}
