import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { type TObject, type TSchema, Type } from 'typebox'
import type { Slice } from '../../db/pagination.js'
import { type Precondition, writePrecondition } from '../../http/conditional.js'
import { listQuery } from '../../http/pagination.js'
import { sendItem, sendPage } from '../../http/replies.js'
import { IdParams, Page, problems } from '../../http/schemas.js'
import { archiveRoutes } from '../archive/archive.routes.js'
import type { Actor } from '../auth/actor.js'
import type { DeclaredList, ListFilters } from '../resources/lists.js'
import { RESOURCES, type ResourceType } from '../resources/registry.js'
import type { Stats } from './transitions.js'
import type { Workflow } from './workflow.js'
import { StatsSchema } from './workflow.schemas.js'

/** What the routes of a workflow resource call: its module's service (see `createWorkflowItems`). */
export interface WorkflowService<Row> {
  get(actor: Actor, id: number): Promise<Row>
  list(actor: Actor, query: ListFilters): Promise<Slice<Row>>
  create(actor: Actor, body: Body): Promise<Row>
  replace(actor: Actor, id: number, body: Body, precondition: Precondition): Promise<Row>
  update(actor: Actor, id: number, patch: Body, precondition: Precondition): Promise<Row>
  stats(actor: Actor, filters: ListFilters): Promise<Stats>
}

type Body = Record<string, unknown>

/** How a resource with a workflow declares its routes. */
export interface WorkflowResource<Row extends { id: number; version: number }> {
  type: ResourceType
  workflow: Workflow
  /** From `workflowSchemas`. */
  schemas: { item: TObject; ref: TSchema; create: TObject; replace: TObject; update: TObject }
  list: Pick<DeclaredList<Row>, 'query' | 'filters'>
  present(row: Row): Record<string, unknown>
  service: WorkflowService<Row>
  /** The summary of `DELETE /{type}/{id}` in the API documentation. */
  deleteSummary: string
}

const article = (noun: string) => (/^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`)

/**
 * The routes of a resource that follows a workflow, the same for each: `POST /{type}`, `GET /{type}`
 * (page numbers or cursors, filters, orderings), `GET /{type}/stats`, and `GET·PUT·PATCH /{type}/{id}`,
 * where a `status` different from the current one is a move, and the archive's (`DELETE /{type}/{id}`,
 * `/{type}/deleted`…). Every write honours If-Match (REQUIRE_IF_MATCH too) and `Prefer: return=minimal`;
 * every item response carries its ETag. The change log gives `GET /{type}/{id}/events`.
 */
export function workflowRoutes<Row extends { id: number; version: number }>(
  resource: WorkflowResource<Row>,
): FastifyPluginAsyncTypebox {
  const { type, workflow, service, schemas } = resource
  const noun = RESOURCES[type].label.toLowerCase()
  const tags = [type]
  const item = (row: Row) => ({ version: row.version, body: resource.present(row) })
  const moves = `a \`status\` other than the current one moves it (409 invalid_transition when the workflow does not allow the move)`
  const writeProblems = problems(400, 404, 409, 410, 412, 413, 415, 428)

  return async (app) => {
    const { urls } = app

    app.post(
      `/${type}`,
      {
        schema: {
          tags,
          summary: `Create ${article(noun)}; it starts at ${workflow.starts.join(' or ')} (default ${workflow.initial})`,
          body: schemas.create,
          response: { 201: schemas.ref, 204: { type: 'null' }, ...problems(400, 413, 415) },
        },
      },
      async (req, reply) => {
        const row = await service.create(req.actor, req.body as Body)
        reply.header('location', urls.item(type, row.id))
        return sendItem(req, reply, item(row), 201)
      },
    )

    app.get(
      `/${type}`,
      {
        schema: {
          tags,
          summary: `List ${type} (admins: everyone’s; users: their own)`,
          querystring: Type.Object(resource.list.query),
          response: { 200: Page(schemas.ref), ...problems(400) },
        },
      },
      async (req, reply) =>
        sendPage(
          req,
          reply,
          urls,
          await service.list(req.actor, listQuery(req) as ListFilters),
          resource.present,
        ),
    )

    app.get(
      `/${type}/stats`,
      {
        schema: {
          tags,
          summary: `Counts by status, the funnel, median days between stages and monthly figures of the ${type} the filters select (admins: everyone’s unless owner_id; users: their own)`,
          querystring: Type.Object(resource.list.filters),
          response: { 200: StatsSchema(workflow), ...problems(400) },
        },
      },
      async (req) => service.stats(req.actor, req.query as ListFilters),
    )

    app.get(
      `/${type}/:id`,
      {
        schema: {
          tags,
          summary: `Read ${article(noun)}`,
          params: IdParams,
          response: { 200: schemas.ref, ...problems(400, 404, 410) },
        },
      },
      async (req, reply) => sendItem(req, reply, item(await service.get(req.actor, req.params.id))),
    )

    const writes = [
      { method: 'PUT', body: schemas.replace, write: service.replace, summary: 'Replace' },
      { method: 'PATCH', body: schemas.update, write: service.update, summary: 'Update' },
    ] as const
    for (const { method, body, write, summary } of writes) {
      app.route({
        method,
        url: `/${type}/:id`,
        schema: {
          tags,
          summary: `${summary} ${article(noun)}${method === 'PATCH' ? ' (JSON merge patch)' : '’s writable fields'}; ${moves}`,
          params: IdParams,
          body,
          response: { 200: schemas.ref, 204: { type: 'null' }, ...writeProblems },
        },
        handler: async (req, reply) => {
          const row = await write(req.actor, req.params.id, req.body as Body, writePrecondition(req))
          return sendItem(req, reply, item(row))
        },
      })
    }

    await app.register(
      archiveRoutes<Row>({
        type,
        schema: schemas.item,
        present: resource.present,
        deleteSummary: resource.deleteSummary,
      }),
    )
  }
}
