import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { sql } from 'kysely'
import { type TObject, Type } from 'typebox'
import { fetchPage, type Sort } from '../../db/pagination.js'
import { etag, writePrecondition } from '../../http/conditional.js'
import { listQuery, pageRequest } from '../../http/pagination.js'
import { prefersMinimal, sendItem, sendMinimal, sendPage } from '../../http/replies.js'
import { IdParams, Page, PageQuery, problems } from '../../http/schemas.js'
import type { Actor } from '../auth/actor.js'
import type { ResourceType } from '../resources/registry.js'
import type { ArchivedRow } from './archive.js'
import { Archived, ArchiveItemQuery } from './archive.schemas.js'

const isDate = (v: string | number) => typeof v === 'string' && !Number.isNaN(Date.parse(v))

function archiveSort(ordering: string): Sort<ArchivedRow> {
  const descending = ordering.startsWith('-')
  return ordering.replace('-', '') === 'purge_at'
    ? {
        ordering,
        descending,
        expression: sql`purge_at`,
        value: (r) => r.purge_at.toISOString(),
        accepts: isDate,
      }
    : { ordering, descending, expression: null, value: (r) => r.id }
}

/** What a resource tells the archive about itself, to get its delete and its archive routes. */
export interface Archivable<Row extends { id: number; version: number }> {
  type: ResourceType
  /** The live representation's schema and how to render a row in it. */
  schema: TObject
  present: (row: Row) => Record<string, unknown>
  /** How the archive list shows an item, when not in full (documents leave their content out). */
  listed?: { schema: TObject; present: (row: Row) => Record<string, unknown> }
  /** Completes rows read from the table with what the representation also needs (a document's aliases). */
  load?: (rows: Row[]) => Promise<Row[]>
  /** The summary of `DELETE /{type}/{id}` in the API documentation. */
  deleteSummary: string
  /**
   * How `DELETE` addresses an item when not by id (a document by id or alias): the path parameters'
   * schema, and how they resolve to the id of a live item the actor may see (or throw the miss).
   */
  ref?: { params: TObject; resolve: (actor: Actor, params: Record<string, string>) => Promise<number> }
}

/**
 * The reversible delete of a resource, the same for every type (DESIGN §4): `DELETE /{type}/{id}`
 * archives (200 with the archived representation and `Content-Location`, or 204 and `Link` with
 * `Prefer: return=minimal`); `GET /{type}/deleted` lists the archive (soonest purge first);
 * `GET /{type}/{id}/deleted` reads one item (with `Sunset`); `POST /{type}/{id}/deleted` restores,
 * `DELETE /{type}/{id}/deleted` purges now.
 */
export function archiveRoutes<Row extends { id: number; version: number }>(
  resource: Archivable<Row>,
): FastifyPluginAsyncTypebox {
  const { type } = resource
  const load = resource.load ?? (async (rows: Row[]) => rows)
  const loadOne = async (row: object) => (await load([row as Row]))[0] as Row
  const tags = [type]
  const ArchivedSchema = Archived(resource.schema)
  const ListedSchema = resource.listed ? Archived(resource.listed.schema) : ArchivedSchema

  return async (app) => {
    const { archive, urls } = app
    const presentArchived =
      (present: (row: Row) => Record<string, unknown>) =>
      (row: ArchivedRow, cascaded?: Record<string, number[]>) => ({
        ...present(row as unknown as Row),
        deleted_at: row.deleted_at.toISOString(),
        deleted_by: row.deleted_by,
        purge_at: row.purge_at.toISOString(),
        links: { archive: urls.archived(type, row.id) },
        ...(cascaded && { cascaded }),
      })
    const inFull = presentArchived(resource.present)
    const listed = presentArchived(resource.listed?.present ?? resource.present)
    const idOf = (req: FastifyRequest<{ Params: Record<string, string> }>): Promise<number> | number =>
      resource.ref ? resource.ref.resolve(req.actor, req.params) : Number(req.params.id)

    app.delete(
      resource.ref ? `/${type}/:ref` : `/${type}/:id`,
      {
        schema: {
          tags,
          summary: resource.deleteSummary,
          params: resource.ref?.params ?? IdParams,
          response: { 200: ArchivedSchema, 204: { type: 'null' }, ...problems(400, 404, 410, 412, 428) },
        },
      },
      async (req, reply) => {
        const condition = writePrecondition(req)
        const request = req as unknown as FastifyRequest<{ Params: Record<string, string> }>
        const { row, cascaded } = await archive.delete(type, req.actor, await idOf(request), condition)
        const archiveUrl = urls.archived(type, row.id)
        if (prefersMinimal(req)) return sendMinimal(reply.header('link', `<${archiveUrl}>; rel="archive"`))
        reply.header('content-location', archiveUrl).header('etag', etag(row.version))
        return inFull((await loadOne(row)) as unknown as ArchivedRow, cascaded)
      },
    )

    app.get(
      `/${type}/deleted`,
      {
        schema: {
          tags,
          summary: `The archive of ${type}, soonest purge first; filter by who deleted, when, and when it goes`,
          querystring: Type.Object({ ...PageQuery, ...ArchiveItemQuery }),
          response: { 200: Page(ListedSchema), ...problems(400) },
        },
      },
      async (req, reply) => {
        const sort = archiveSort(req.query.ordering ?? 'purge_at')
        const rows = archive.listQuery(type, req.actor, req.query) as never
        const slice = await fetchPage<ArchivedRow>(
          app.db,
          rows,
          pageRequest(listQuery(req), sort),
          sort,
          'id',
        )
        const items = (await load(slice.items as unknown as Row[])) as unknown as ArchivedRow[]
        return sendPage(req, reply, urls, { ...slice, items }, (row) => listed(row))
      },
    )

    app.get(
      `/${type}/:id/deleted`,
      {
        schema: {
          tags,
          summary: 'An archived item; Sunset says when it will be purged',
          params: IdParams,
          response: { 200: ArchivedSchema, ...problems(400, 404, 410) },
        },
      },
      async (req, reply) => {
        const row = await archive.find(type, req.actor, req.params.id)
        reply.header('sunset', row.purge_at.toUTCString())
        return inFull((await loadOne(row)) as unknown as ArchivedRow)
      },
    )

    app.post(
      `/${type}/:id/deleted`,
      {
        schema: {
          tags,
          summary: 'Restore an archived item, with everything its delete archived',
          params: IdParams,
          response: { 201: resource.schema, 204: { type: 'null' }, ...problems(400, 404, 409, 410) },
        },
      },
      async (req, reply) => {
        const restored = await archive.restore(type, req.actor, req.params.id)
        reply.header('location', urls.item(type, req.params.id))
        return sendItem(
          req,
          reply,
          { version: restored.version, body: resource.present(await loadOne(restored)) },
          201,
        )
      },
    )

    app.delete(
      `/${type}/:id/deleted`,
      {
        schema: {
          tags,
          summary: 'Purge an archived item now (it must be archived first)',
          params: IdParams,
          response: { 204: { type: 'null' }, ...problems(400, 404, 409, 410) },
        },
      },
      async (req, reply) => {
        await archive.purge(type, req.actor, req.params.id)
        return reply.status(204).send(null)
      },
    )
  }
}
