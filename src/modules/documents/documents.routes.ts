import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { DocumentRow } from '../../db/schema.js'
import { writePrecondition } from '../../http/conditional.js'
import { listQuery } from '../../http/pagination.js'
import { sendItem, sendPage } from '../../http/replies.js'
import { problems } from '../../http/schemas.js'
import type { Urls } from '../../http/urls.js'
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
  type DocumentSummary,
  ListAliasesQuery,
  ListDocumentsQuery,
  ReplaceDocumentBody,
  ReservedAliasPage,
  UpdateDocumentBody,
} from './documents.schemas.js'
import type { DocumentsService } from './documents.service.js'

const tags = ['documents']

/** A document in lists (without its content) and in full. */
export const documentPresenters = (urls: Pick<Urls, 'item' | 'archived'>) => {
  const summary = (d: DocumentSummaryRow): DocumentSummary => ({
    id: d.id,
    url: urls.item('documents', d.id),
    title: d.title,
    content_type: d.content_type,
    aliases: d.aliases,
    owner_id: d.owner_id,
    created_at: d.created_at.toISOString(),
    updated_at: d.updated_at.toISOString(),
  })
  return { summary, present: (d: DocumentRow): Document => ({ ...summary(d), content: d.content }) }
}

export const documentsRoutes: FastifyPluginAsyncTypebox<{
  documents: DocumentsService
  /** Bodies of the document writes may be larger than BODY_LIMIT_BYTES: see `documentBodyLimit`. */
  bodyLimit: number
}> = async (app, { documents, bodyLimit }) => {
  const { urls } = app
  const { summary, present } = documentPresenters(urls)
  const item = (d: DocumentRow) => ({ version: d.version, body: present(d) })
  const presentAlias = (a: AliasRow) => ({
    alias: a.alias,
    url: urls.item('documents', a.alias),
    document_id: a.id,
    document_url: urls.item('documents', a.id),
    created_at: a.created_at.toISOString(),
  })
  const presentReserved = (a: AliasRow) => ({
    alias: a.alias,
    document_id: a.id,
    purge_at: a.purge_at?.toISOString() ?? null,
    links: { archive: urls.archived('documents', a.id) },
    created_at: a.created_at.toISOString(),
  })
  const writeProblems = problems(400, 404, 409, 410, 412, 413, 415, 428)

  app.post(
    '/documents',
    {
      bodyLimit,
      schema: {
        tags,
        summary: 'Create a document, optionally with aliases (all claimed, or nothing is created)',
        body: CreateDocumentBody,
        response: { 201: DocumentRef, 204: { type: 'null' }, ...problems(400, 409, 413, 415) },
      },
    },
    async (req, reply) => {
      const document = await documents.create(req.actor, req.body)
      reply.header('location', urls.item('documents', document.id))
      return sendItem(req, reply, item(document), 201)
    },
  )

  app.get(
    '/documents',
    {
      schema: {
        tags,
        summary: 'List documents, without their content (admins: everyone’s; users: their own)',
        querystring: ListDocumentsQuery,
        response: { 200: DocumentPage, ...problems(400) },
      },
    },
    async (req, reply) => {
      const slice = await documents.list(req.actor, listQuery(req))
      return sendPage(req, reply, urls, slice, summary)
    },
  )

  app.get(
    '/documents/aliases',
    {
      schema: {
        tags,
        summary: 'The aliases of live documents (admins: all; users: their own)',
        querystring: ListAliasesQuery,
        response: { 200: AliasPage, ...problems(400) },
      },
    },
    async (req, reply) =>
      sendPage(req, reply, urls, await documents.listAliases(req.actor, listQuery(req)), presentAlias),
  )

  app.get(
    '/documents/deleted/aliases',
    {
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
        urls,
        await documents.listReservedAliases(req.actor, listQuery(req)),
        presentReserved,
      ),
  )

  app.get(
    '/documents/:ref',
    {
      schema: {
        tags,
        summary: 'Read a document, by id or by alias',
        params: DocumentRefParams,
        response: { 200: DocumentRef, ...problems(400, 404, 410) },
      },
    },
    async (req, reply) => sendItem(req, reply, item(await documents.get(req.actor, req.params.ref))),
  )

  app.put(
    '/documents/:ref',
    {
      bodyLimit,
      schema: {
        tags,
        summary: 'Replace a document’s title, content and content type',
        params: DocumentRefParams,
        body: ReplaceDocumentBody,
        response: { 200: DocumentRef, 204: { type: 'null' }, ...writeProblems },
      },
    },
    async (req, reply) =>
      sendItem(
        req,
        reply,
        item(await documents.replace(req.actor, req.params.ref, req.body, writePrecondition(req))),
      ),
  )

  app.patch(
    '/documents/:ref',
    {
      bodyLimit,
      schema: {
        tags,
        summary: 'Update a document (JSON merge patch)',
        params: DocumentRefParams,
        body: UpdateDocumentBody,
        response: { 200: DocumentRef, 204: { type: 'null' }, ...writeProblems },
      },
    },
    async (req, reply) =>
      sendItem(
        req,
        reply,
        item(await documents.update(req.actor, req.params.ref, req.body, writePrecondition(req))),
      ),
  )

  app.get(
    '/documents/:ref/aliases',
    {
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
        urls,
        await documents.listAliases(req.actor, listQuery(req), req.params.ref),
        presentAlias,
      ),
  )

  app.put(
    '/documents/:ref/aliases/:alias',
    {
      schema: {
        tags,
        summary: 'Give a document an alias (201; 200 if it already has it); answers with the document',
        params: AliasParams,
        response: { 200: DocumentRef, 201: DocumentRef, 204: { type: 'null' }, ...writeProblems },
      },
    },
    async (req, reply) => {
      const { ref, alias } = req.params
      const condition = writePrecondition(req)
      const { row, created } = await documents.addAlias(req.actor, ref, alias, condition)
      if (created) reply.header('location', urls.item('documents', alias))
      return sendItem(req, reply, item(row), created ? 201 : 200)
    },
  )

  app.delete(
    '/documents/:ref/aliases/:alias',
    {
      schema: {
        tags,
        summary: 'Take an alias from a document (it is free again at once); answers with the document',
        params: AliasParams,
        response: { 200: DocumentRef, 204: { type: 'null' }, ...writeProblems },
      },
    },
    async (req, reply) => {
      const { ref, alias } = req.params
      const condition = writePrecondition(req)
      return sendItem(req, reply, item(await documents.removeAlias(req.actor, ref, alias, condition)))
    },
  )
}
