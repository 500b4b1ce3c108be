import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { fail } from '../../http/problem.js'
import { Id, IdParams, problems, Timestamp, Url } from '../../http/schemas.js'
import { isAdmin } from '../auth/actor.js'
import { RESOURCE_TYPES } from '../resources/registry.js'
import { CHANGE_ACTIONS } from './actions.js'
import { presentChange } from './changes.js'

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

const FeedQuery = Type.Object({
  ...LogQuery,
  resource_type: Type.Optional(Type.Enum(RESOURCE_TYPES)),
  resource_id: Type.Optional(Id),
})

/**
 * The change log read as an audit trail and a feed (DESIGN §5): `GET /events` (admins: everything,
 * ascending by sequence, `after` resumes like a log offset) and `GET /{type}/{id}/events` (one live
 * resource, for its owner or an admin).
 */
export const changesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, urls, items } = app
  const read = async (
    req: FastifyRequest,
    reply: FastifyReply,
    query: { after?: number; page_size?: number },
    resource: { type?: string; id?: number },
  ) => {
    const size = Math.min(query.page_size ?? 100, 1000)
    let q = db
      .selectFrom('changes')
      .selectAll()
      .where('seq', '>', query.after ?? 0)
      .orderBy('seq')
      .limit(size)
    if (resource.type !== undefined) q = q.where('resource_type', '=', resource.type)
    if (resource.id !== undefined) q = q.where('resource_id', '=', resource.id)
    const rows = await q.execute()
    const last = rows.at(-1)
    let next: string | null = null
    if (rows.length === size && last) {
      next = urls.withQuery(req.url, (params) => params.set('after', String(last.seq)))
      reply.header('link', `<${next}>; rel="next"`)
    }
    return { next, results: rows.map(presentChange) }
  }

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
    async (req, reply) => {
      if (!isAdmin(req.actor)) fail.forbidden('Only admins may read the change feed.')
      const { resource_type: type, resource_id: id } = req.query
      if (id !== undefined && type === undefined)
        fail.validation([{ parameter: 'resource_id', detail: 'needs resource_type' }])
      return read(req, reply, req.query, { type, id })
    },
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
