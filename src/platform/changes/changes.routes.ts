import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { fail } from '../../http/problem.js'
import { Id, IdParams, problems, Timestamp, Url } from '../../http/schemas.js'
import { isAdmin } from '../auth/actor.js'
import { RESOURCE_TYPES } from '../resources/registry.js'
import { CHANGE_ACTIONS } from './actions.js'
import { presentChange } from './changes.js'
import type { ChangeNotifier } from './notifier.js'
import { routingKey } from './publisher.js'

const State = Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], {
  description: 'The resource’s fields (secrets never included), or null',
})

export const ChangeSchema = Type.Object({
  sequence: Type.Integer({ minimum: 1, description: 'Position in the change log; the event id' }),
  time: Timestamp,
  actor_id: Type.Union([Id, Type.Null()], { description: 'Who made the change; null for the system' }),
  request_id: Type.Union([Type.String(), Type.Null()]),
  resource_type: Type.String(),
  resource_id: Id,
  action: Type.Enum(CHANGE_ACTIONS),
  before: State,
  after: State,
  deletion_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
    description: 'Shared by a delete and everything it cascaded to',
  }),
})

const ChangeLog = Type.Object({
  next: Type.Union([Url, Type.Null()], {
    description: 'The following page (`after` = the last sequence here) when this one is full, else null',
  }),
  results: Type.Array(ChangeSchema),
})

const LogQuery = {
  after: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'Only changes after this sequence number: resume from the last one you processed',
    }),
  ),
  page_size: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'Changes per page; default 100, values above 1000 are clamped',
    }),
  ),
}

const FeedFilter = {
  resource_type: Type.Optional(Type.Enum(RESOURCE_TYPES)),
  resource_id: Type.Optional(Id),
}

const FeedQuery = Type.Object({ ...LogQuery, ...FeedFilter })

/**
 * The change log read as an audit trail and a feed (DESIGN §5): `GET /events` (admins: everything,
 * ascending by sequence, `after` resumes like a log offset) and `GET /{type}/{id}/events` (one live
 * resource, for its owner or an admin).
 */
export const changesRoutes: FastifyPluginAsyncTypebox<{ notifier: ChangeNotifier }> = async (
  app,
  { notifier },
) => {
  const { db, urls, items, config } = app
  const page = (query: { after?: number; page_size?: number }, resource: { type?: string; id?: number }) => {
    let q = db
      .selectFrom('changes')
      .selectAll()
      .where('seq', '>', query.after ?? 0)
      .orderBy('seq')
      .limit(Math.min(query.page_size ?? 100, 1000))
    if (resource.type !== undefined) q = q.where('resource_type', '=', resource.type)
    if (resource.id !== undefined) q = q.where('resource_id', '=', resource.id)
    return q.execute()
  }
  const read = async (
    req: FastifyRequest,
    reply: FastifyReply,
    query: { after?: number; page_size?: number },
    resource: { type?: string; id?: number },
  ) => {
    const size = Math.min(query.page_size ?? 100, 1000)
    const rows = await page(query, resource)
    const last = rows.at(-1)
    let next: string | null = null
    if (rows.length === size && last) {
      next = urls.withQuery(req.url, (params) => params.set('after', String(last.seq)))
      reply.header('link', `<${next}>; rel="next"`)
    }
    return { next, results: rows.map(presentChange) }
  }

  const head = async () =>
    Number(
      (
        await db
          .selectFrom('changes')
          .select((eb) => eb.fn.max('seq').as('head'))
          .executeTakeFirst()
      )?.head ?? 0,
    )

  /** The feed's filter, checked the same way for the page and the stream: admins only. */
  const feedFilter = (req: FastifyRequest, query: { resource_type?: string; resource_id?: number }) => {
    if (!isAdmin(req.actor)) fail.forbidden('Only admins may read the change feed.')
    const { resource_type: type, resource_id: id } = query
    if (id !== undefined && type === undefined)
      fail.validation([{ parameter: 'resource_id', detail: 'needs resource_type' }])
    return { type, id }
  }

  // Open streams end when the app closes, so a graceful shutdown does not wait for their clients.
  const streams = new Set<AbortController>()
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.abort()
  })

  app.get(
    '/events/stream',
    {
      schema: {
        tags: ['events'],
        summary: 'The change feed, live (admins): Server-Sent Events, resumable with Last-Event-ID',
        description:
          'Every change after `after` (or the `Last-Event-ID` header, which browsers send when they reconnect; ' +
          'with neither, the stream starts at the head of the log), then each new change as it commits: `id:` is the sequence, `event:` the routing key ' +
          '(`users.updated`), `data:` the record as `GET /events` shows it. A comment line is sent when ' +
          'nothing happened for EVENTS_HEARTBEAT_SECONDS, so proxies keep the connection open.',
        querystring: Type.Object({ after: LogQuery.after, ...FeedFilter }),
        headers: Type.Object({
          'last-event-id': Type.Optional(
            Type.String({ pattern: '^[0-9]{1,15}$', description: 'The last sequence received' }),
          ),
        }),
        response: {
          200: {
            description: 'An event stream',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...problems(400, 403),
        },
      },
    },
    async (req, reply) => {
      const resource = feedFilter(req, req.query)
      const resumeFrom = req.headers['last-event-id']
      // Without a point to resume from, the stream starts at the head of the log: what happens next.
      let after = resumeFrom === undefined ? (req.query.after ?? (await head())) : Number(resumeFrom)
      const stream = new AbortController()
      streams.add(stream)
      req.raw.once('close', () => stream.abort())
      reply.hijack()
      const out = reply.raw
      out.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        // A stream ends only when the client leaves or the server shuts down: its connection goes with
        // it, rather than lingering as a keep-alive one a graceful shutdown would wait for.
        connection: 'close',
        'x-request-id': req.id,
      })
      out.write('retry: 2000\n\n')
      try {
        while (!stream.signal.aborted) {
          const rows = await page({ after, page_size: 100 }, resource)
          for (const row of rows) {
            out.write(
              `id: ${row.seq}\nevent: ${routingKey(row)}\ndata: ${JSON.stringify(presentChange(row))}\n\n`,
            )
            after = row.seq
          }
          if (rows.length === 100) continue
          const notified = await notifier.wait(config.eventsHeartbeatSeconds * 1000, stream.signal)
          if (!notified && !stream.signal.aborted) out.write(': heartbeat\n\n')
        }
      } catch (err) {
        req.log.warn({ err }, 'change stream ended by an error')
      } finally {
        streams.delete(stream)
        out.end()
      }
    },
  )

  app.get(
    '/events',
    {
      schema: {
        tags: ['events'],
        summary: 'The change feed (admins): every change in sequence order; resume with `after`',
        querystring: FeedQuery,
        response: { 200: ChangeLog, ...problems(400, 403) },
      },
    },
    async (req, reply) => read(req, reply, req.query, feedFilter(req, req.query)),
  )

  for (const type of RESOURCE_TYPES) {
    app.get(
      `/${type}/:id/events`,
      {
        schema: {
          tags: ['events', type],
          summary: 'The audit trail of one item, oldest first',
          params: IdParams,
          querystring: Type.Object(LogQuery),
          response: { 200: ChangeLog, ...problems(400, 404, 410) },
        },
      },
      async (req, reply) => {
        // The trail of an archived item is hidden with it (404 `archived`), like any child of it.
        await items.explainMiss(db, type, req.actor, req.params.id)
        return read(req, reply, req.query, { type, id: req.params.id })
      },
    )
  }
}
