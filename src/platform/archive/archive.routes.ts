import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sql } from 'kysely'
import { type TObject, Type } from 'typebox'
import type { Db } from '../../db/database.js'
import { fetchPage, pageRequest, type Sort } from '../../db/pagination.js'
import { etag } from '../../http/conditional.js'
import { prefersMinimal, sendPage } from '../../http/replies.js'
import { IdParams, Page, PageQuery, problems } from '../../http/schemas.js'
import type { Archive, ArchivedRow, ArchiveType } from './archive.js'
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

/**
 * The archive of one resource type, the same for every type (DESIGN §4): `GET /{type}/deleted`
 * (soonest purge first), `GET /{type}/{id}/deleted` (with `Sunset`), `POST /{type}/{id}/deleted`
 * (restore) and `DELETE /{type}/{id}/deleted` (purge now).
 */
export function archiveRoutes<Row extends { id: number; version: number }>(options: {
  type: ArchiveType
  archive: Archive
  db: Db
  publicUrl: string
  /** The live representation's schema and how to render a row in it. */
  live: TObject
  present: (row: Row) => Record<string, unknown>
  /** How the archive list shows an item, when not in full (documents leave their content out). */
  listed?: { schema: TObject; present: (row: Row) => Record<string, unknown> }
  urls: { live(id: number): string; archive(id: number): string }
  /** Runs after a purge has committed (a purged user's cached tokens are forgotten, say). */
  afterPurge?: (id: number) => void
  /** Completes rows read from the table with what the representation also needs (a document's aliases). */
  load?: (rows: Row[]) => Promise<Row[]>
}): FastifyPluginAsyncTypebox {
  const { type, archive, db, urls } = options
  const load = options.load ?? (async (rows: Row[]) => rows)
  const loadOne = async <R>(row: R) => (await load([row as unknown as Row]))[0] as unknown as R
  const tags = [type]
  const ArchivedSchema = Archived(options.live)
  const ListedSchema = options.listed ? Archived(options.listed.schema) : ArchivedSchema
  const presentListed = presentArchivedWith(
    (options.listed?.present ?? options.present) as (row: never) => Record<string, unknown>,
    urls.archive,
  )
  const presentArchived = presentArchivedWith(
    options.present as (row: never) => Record<string, unknown>,
    urls.archive,
  )

  return async (app) => {
    app.get(
      `/${type}/deleted`,
      {
        config: { auth: 'required' },
        schema: {
          tags,
          summary: `The archive of ${type}, soonest purge first; filter by who deleted, when, and when it goes`,
          querystring: Type.Object({ ...PageQuery, ...ArchiveItemQuery }),
          response: { 200: Page(ListedSchema), ...problems(400) },
        },
      },
      async (req, reply) => {
        const ordering = req.query.ordering ?? 'purge_at'
        const rows = archive.archivedQuery(db, type, req.actor!, req.query) as never
        const slice = await fetchPage<ArchivedRow>(
          rows,
          pageRequest(req.query, ordering),
          archiveSort(ordering),
          'id',
        )
        const items = (await load(slice.items as unknown as Row[])) as unknown as ArchivedRow[]
        return sendPage(req, reply, options.publicUrl, { ...slice, items }, (row) => presentListed(row))
      },
    )

    app.get(
      `/${type}/:id/deleted`,
      {
        config: { auth: 'required' },
        schema: {
          tags,
          summary: 'An archived item; Sunset says when it will be purged',
          params: IdParams,
          response: { 200: ArchivedSchema, ...problems(400, 404, 410) },
        },
      },
      async (req, reply) => {
        const row =
          (await archive.findArchived(db, type, req.actor!, req.params.id)) ??
          (await archive.explainNotArchived(db, type, req.actor!, req.params.id))
        reply.header('sunset', row.purge_at.toUTCString())
        return presentArchived(await loadOne(row))
      },
    )

    app.post(
      `/${type}/:id/deleted`,
      {
        config: { auth: 'required' },
        schema: {
          tags,
          summary: 'Restore an archived item, with everything its delete archived',
          params: IdParams,
          response: { 201: options.live, 204: { type: 'null' }, ...problems(400, 404, 409, 410) },
        },
      },
      async (req, reply) => {
        const { id } = req.params
        const restored =
          (await db.transaction().execute((tx) => archive.restore(tx, type, req.actor!, id))) ??
          (await archive.explainNotArchived(db, type, req.actor!, id, 'there is nothing to restore.'))
        reply.status(201).header('location', urls.live(id)).header('etag', etag(restored.version))
        if (prefersMinimal(req))
          return reply.status(204).header('preference-applied', 'return=minimal').send(null)
        return options.present(await loadOne(restored as unknown as Row))
      },
    )

    app.delete(
      `/${type}/:id/deleted`,
      {
        config: { auth: 'required' },
        schema: {
          tags,
          summary: 'Purge an archived item now (it must be archived first)',
          params: IdParams,
          response: { 204: { type: 'null' }, ...problems(400, 404, 409, 410) },
        },
      },
      async (req, reply) => {
        const { id } = req.params
        const purged = await db.transaction().execute((tx) => archive.purge(tx, type, req.actor!, id))
        if (!purged) await archive.explainNotArchived(db, type, req.actor!, id, 'archive it first.')
        options.afterPurge?.(id)
        return reply.status(204).send(null)
      },
    )
  }
}

/** The archived representation of a row, as `DELETE /{type}/{id}` answers it. */
export function presentArchivedWith<Live extends object>(
  present: (row: never) => Live,
  archiveUrl: (id: number) => string,
) {
  return (row: ArchivedRow, cascaded?: Record<string, number[]>) => ({
    ...present(row as never),
    deleted_at: row.deleted_at.toISOString(),
    deleted_by: row.deleted_by,
    purge_at: row.purge_at.toISOString(),
    links: { archive: archiveUrl(row.id) },
    ...(cascaded && { cascaded }),
  })
}
