import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../../db/database.js'
import type { DocumentRow } from '../../db/schema.js'
import { etag, precondition } from '../../http/conditional.js'
import { prefersMinimal, sendItem, sendPage } from '../../http/replies.js'
import { problems } from '../../http/schemas.js'
import type { Archive } from '../../platform/archive/archive.js'
import { archiveRoutes, presentArchivedWith } from '../../platform/archive/archive.routes.js'
import { Archived } from '../../platform/archive/archive.schemas.js'
import type { AliasRow } from './aliases.repository.js'
import type { DocumentSummaryRow } from './documents.repository.js'
import {
  AliasPage,
  AliasParams,
  CreateDocumentBody,
  type Document,
  DocumentPage,
  DocumentRef,
  DocumentRefParams,
  DocumentSchema,
  type DocumentSummary,
  DocumentSummarySchema,
  ListAliasesQuery,
  ListDocumentsQuery,
  ReplaceDocumentBody,
  ReservedAliasPage,
  UpdateDocumentBody,
} from './documents.schemas.js'
import type { DocumentsService } from './documents.service.js'

const tags = ['documents']
const ArchivedDocument = Archived(DocumentSchema)

export const documentsRoutes: FastifyPluginAsyncTypebox<{
  documents: DocumentsService
  publicUrl: string
  requireIfMatch: boolean
  /** Bodies of the document writes may be larger than BODY_LIMIT_BYTES: see `documentBodyLimit`. */
  bodyLimit: number
  archive: Archive
  db: Db
}> = async (app, { documents, publicUrl, requireIfMatch, bodyLimit, archive, db }) => {
  const urlOf = (ref: number | string) => `${publicUrl}/api/v1/documents/${ref}`
  const archiveUrlOf = (id: number) => `${urlOf(id)}/deleted`
  const summary = (d: DocumentSummaryRow): DocumentSummary => ({
    id: d.id,
    url: urlOf(d.id),
    title: d.title,
    content_type: d.content_type,
    aliases: d.aliases,
    owner_id: d.owner_id,
    created_at: d.created_at.toISOString(),
    updated_at: d.updated_at.toISOString(),
  })
  const present = (d: DocumentRow): Document => ({ ...summary(d), content: d.content })
  const item = (d: DocumentRow) => ({ version: d.version, body: present(d) })
  const presentArchived = presentArchivedWith(present as (row: never) => Document, archiveUrlOf)
  const presentAlias = (a: AliasRow) => ({
    alias: a.alias,
    url: urlOf(a.alias),
    document_id: a.id,
    document_url: urlOf(a.id),
    created_at: a.created_at.toISOString(),
  })
  const presentReserved = (a: AliasRow) => ({
    alias: a.alias,
    document_id: a.id,
    purge_at: a.purge_at?.toISOString() ?? null,
    links: { archive: archiveUrlOf(a.id) },
    created_at: a.created_at.toISOString(),
  })
  const writeCondition = (ifMatch: string | undefined) => precondition(ifMatch, requireIfMatch)
  const writeProblems = problems(400, 404, 409, 410, 412, 413, 415, 428)

  app.post(
    '/documents',
    {
      bodyLimit,
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Create a document, optionally with aliases (all claimed, or nothing is created)',
        body: CreateDocumentBody,
        response: { 201: DocumentRef, 204: { type: 'null' }, ...problems(400, 409, 413, 415) },
      },
    },
    async (req, reply) => {
      const document = await documents.create(req.actor!, req.body)
      reply.header('location', urlOf(document.id))
      return sendItem(req, reply, item(document), 201)
    },
  )

  app.get(
    '/documents',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'List documents, without their content (admins: everyone’s; users: their own)',
        querystring: ListDocumentsQuery,
        response: { 200: DocumentPage, ...problems(400) },
      },
    },
    async (req, reply) => {
      const slice = await documents.list(req.actor!, req.query)
      return sendPage(req, reply, publicUrl, slice, summary)
    },
  )

  app.get(
    '/documents/aliases',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'The aliases of live documents (admins: all; users: their own)',
        querystring: ListAliasesQuery,
        response: { 200: AliasPage, ...problems(400) },
      },
    },
    async (req, reply) =>
      sendPage(req, reply, publicUrl, await documents.listAliases(req.actor!, req.query), presentAlias),
  )

  app.get(
    '/documents/deleted/aliases',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'The aliases archived documents keep reserved until they are purged',
        querystring: ListAliasesQuery,
        response: { 200: ReservedAliasPage, ...problems(400) },
      },
    },
    async (req, reply) =>
      sendPage(
        req,
        reply,
        publicUrl,
        await documents.listReservedAliases(req.actor!, req.query),
        presentReserved,
      ),
  )

  app.get(
    '/documents/:ref',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Read a document, by id or by alias',
        params: DocumentRefParams,
        response: { 200: DocumentRef, ...problems(400, 404, 410) },
      },
    },
    async (req, reply) => sendItem(req, reply, item(await documents.get(req.actor!, req.params.ref))),
  )

  app.put(
    '/documents/:ref',
    {
      bodyLimit,
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Replace a document’s title, content and content type',
        params: DocumentRefParams,
        body: ReplaceDocumentBody,
        response: { 200: DocumentRef, 204: { type: 'null' }, ...writeProblems },
      },
    },
    async (req, reply) => {
      const condition = writeCondition(req.headers['if-match'])
      return sendItem(
        req,
        reply,
        item(await documents.replace(req.actor!, req.params.ref, req.body, condition)),
      )
    },
  )

  app.patch(
    '/documents/:ref',
    {
      bodyLimit,
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Update a document (JSON merge patch)',
        params: DocumentRefParams,
        body: UpdateDocumentBody,
        response: { 200: DocumentRef, 204: { type: 'null' }, ...writeProblems },
      },
    },
    async (req, reply) => {
      const condition = writeCondition(req.headers['if-match'])
      return sendItem(
        req,
        reply,
        item(await documents.update(req.actor!, req.params.ref, req.body, condition)),
      )
    },
  )

  app.delete(
    '/documents/:ref',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Delete a document: archived, its aliases reserved, restorable until purge_at',
        params: DocumentRefParams,
        response: { 200: ArchivedDocument, 204: { type: 'null' }, ...problems(400, 404, 410, 412, 428) },
      },
    },
    async (req, reply) => {
      const condition = writeCondition(req.headers['if-match'])
      const { row, cascaded } = await documents.archive(req.actor!, req.params.ref, condition)
      const archiveUrl = archiveUrlOf(row.id)
      if (prefersMinimal(req)) {
        reply.header('link', `<${archiveUrl}>; rel="archive"`).header('preference-applied', 'return=minimal')
        return reply.status(204).send(null)
      }
      reply.header('content-location', archiveUrl).header('etag', etag(row.version))
      return presentArchived(row, cascaded)
    },
  )

  app.get(
    '/documents/:ref/aliases',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'The aliases of a document',
        params: DocumentRefParams,
        querystring: ListAliasesQuery,
        response: { 200: AliasPage, ...problems(400, 404, 410) },
      },
    },
    async (req, reply) =>
      sendPage(
        req,
        reply,
        publicUrl,
        await documents.listAliases(req.actor!, req.query, req.params.ref),
        presentAlias,
      ),
  )

  app.put(
    '/documents/:ref/aliases/:alias',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Give a document an alias (201; 200 if it already has it); answers with the document',
        params: AliasParams,
        response: { 200: DocumentRef, 201: DocumentRef, 204: { type: 'null' }, ...writeProblems },
      },
    },
    async (req, reply) => {
      const { ref, alias } = req.params
      const condition = writeCondition(req.headers['if-match'])
      const { row, created } = await documents.addAlias(req.actor!, ref, alias, condition)
      if (created) reply.header('location', urlOf(alias))
      return sendItem(req, reply, item(row), created ? 201 : 200)
    },
  )

  app.delete(
    '/documents/:ref/aliases/:alias',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Take an alias from a document (it is free again at once); answers with the document',
        params: AliasParams,
        response: { 200: DocumentRef, 204: { type: 'null' }, ...writeProblems },
      },
    },
    async (req, reply) => {
      const { ref, alias } = req.params
      const condition = writeCondition(req.headers['if-match'])
      return sendItem(req, reply, item(await documents.removeAlias(req.actor!, ref, alias, condition)))
    },
  )

  await app.register(
    archiveRoutes<DocumentRow>({
      type: 'documents',
      archive,
      db,
      publicUrl,
      live: DocumentSchema,
      present,
      listed: { schema: DocumentSummarySchema, present: summary },
      urls: { live: urlOf, archive: archiveUrlOf },
      load: documents.withAliases,
    }),
  )
}
