import type { Db } from '../../db/database.js'
import type { ContentType, DocumentRow } from '../../db/schema.js'
import type { Precondition } from '../../http/conditional.js'
import { type Counting, pageRequest } from '../../http/pagination.js'
import { fail } from '../../http/problem.js'
import type { Urls } from '../../http/urls.js'
import type { Actor } from '../../platform/auth/actor.js'
import { contextOf } from '../../platform/changes/changes.js'
import type { Items } from '../../platform/resources/items.js'
import { owns } from '../../platform/resources/queries.js'
import { type AliasesRepository, aliasSort } from './aliases.repository.js'
import { type DocumentsRepository, documentSort } from './documents.repository.js'
import {
  aliasPattern,
  type CreateDocument,
  DEFAULT_CONTENT_TYPE,
  type ListAliases,
  type ListDocuments,
  type ReplaceDocument,
  type UpdateDocument,
} from './documents.schemas.js'

/** What `{ref}` in `/documents/{ref}` names: all digits is an id, anything else an alias. */
export type DocumentRef = { id: number } | { alias: string }

/**
 * Parses a ref. An all-digit ref is an id (out of range: 400, as for any id); anything else is an
 * alias, and a ref that cannot be one (uppercase, too long, `deleted`…) names no document: 404.
 */
export function parseRef(ref: string): DocumentRef {
  if (/^[0-9]+$/.test(ref)) {
    const id = Number(ref)
    if (id < 1 || !Number.isSafeInteger(id))
      fail.validation([
        { parameter: 'ref', detail: `must be an id from 1 to ${Number.MAX_SAFE_INTEGER} or an alias` },
      ])
    return { id }
  }
  if (!aliasPattern.test(ref)) fail.notFound('Document')
  return { alias: ref }
}

export function createDocumentsService(deps: {
  db: Db
  /** Single-row reads outside transactions (a pipelined connection on PostgreSQL). */
  lookups: Db
  items: Pick<Items, 'read' | 'create' | 'write' | 'explainMiss'>
  repo: DocumentsRepository
  aliases: AliasesRepository
  urls: Pick<Urls, 'item' | 'archived'>
  /** DOCUMENT_MAX_BYTES: the largest content, in UTF-8 bytes. */
  maxBytes: number
}) {
  const { db, items, repo } = deps

  /** 413 above the size limit; JSON content that does not parse is a 400 pointing at it. */
  const checkContent = (doc: { content: string; content_type: ContentType }) => {
    const bytes = Buffer.byteLength(doc.content, 'utf8')
    if (bytes > deps.maxBytes)
      fail.with(
        'payload_too_large',
        `The content is ${bytes} bytes in UTF-8; a document holds at most ${deps.maxBytes}.`,
      )
    if (doc.content_type === 'application/json') {
      try {
        JSON.parse(doc.content)
      } catch (error) {
        fail.validation([{ pointer: '/content', detail: `is not valid JSON (${(error as Error).message})` }])
      }
    }
  }

  /**
   * Why no live document has this alias for the actor: the miss of the document that holds it when
   * the actor may know that document (404 `archived`, say), else a plain 404 that tells nothing about
   * others' documents.
   */
  const explainAlias = async (actor: Actor, alias: string): Promise<never> => {
    const holder = await deps.aliases.holder(db, alias)
    if (holder && owns(actor, holder.owner_id)) await items.explainMiss(db, 'documents', actor, holder.id)
    return fail.notFound('Document', alias)
  }

  /** The id of the live document `ref` names, for the actor (or the miss explained). */
  const resolve = async (actor: Actor, ref: string): Promise<number> => {
    const parsed = parseRef(ref)
    if ('id' in parsed) return parsed.id
    return (await repo.findVisible(deps.lookups, actor, parsed))?.id ?? explainAlias(actor, parsed.alias)
  }

  /** One write of the document `ref` names: locked, then changed by `apply`'s guarded update. */
  const write = async (
    actor: Actor,
    ref: string,
    precondition: Precondition,
    apply: (tx: Db, before: DocumentRow, id: number) => Promise<DocumentRow | undefined>,
  ) => {
    const id = await resolve(actor, ref)
    return items.write('documents', actor, id, precondition, {
      lock: (tx) => repo.lock(tx, actor, id),
      apply: (tx, before) => apply(tx, before, id),
    })
  }

  /**
   * Claims an alias for a document inside the caller's transaction. The primary key decides races;
   * the loser learns whether a live document has the alias (409 `alias_taken`) or an archived one
   * keeps it reserved (409 `alias_reserved`), with a link for callers who may see that document.
   */
  const claimAlias = async (tx: Db, actor: Actor, documentId: number, alias: string) => {
    if (await deps.aliases.claim(tx, documentId, alias)) return
    const holder = await deps.aliases.holder(tx, alias)
    const mine = holder !== undefined && owns(actor, holder.owner_id)
    if (holder?.deleted_at) {
      fail.conflict(
        'alias_reserved',
        `The alias ${alias} belongs to an archived document: it stays reserved until that document is purged.`,
        mine ? { links: { archive: deps.urls.archived('documents', holder.id) } } : {},
      )
    }
    fail.conflict(
      'alias_taken',
      `The alias ${alias} belongs to another document.`,
      mine && holder ? { links: { document: deps.urls.item('documents', holder.id) } } : {},
    )
  }

  const get = async (actor: Actor, ref: string): Promise<DocumentRow> => {
    const parsed = parseRef(ref)
    if ('id' in parsed)
      return items.read('documents', actor, parsed.id, (db) => repo.findVisible(db, actor, parsed))
    return (await repo.findVisible(deps.lookups, actor, parsed)) ?? explainAlias(actor, parsed.alias)
  }

  return {
    get,
    resolve,

    async list(actor: Actor, query: ListDocuments & Counting) {
      const sort = documentSort(query.ordering ?? 'id')
      return repo.list(db, actor, query, pageRequest(query, sort), sort)
    },

    /** A document of the actor's, with the aliases it claims: all of them, or nothing is created. */
    async create(actor: Actor, input: CreateDocument): Promise<DocumentRow> {
      // Over HTTP the schema's default has filled content_type in; a caller in code may omit it too.
      const body = { ...input, content_type: input.content_type ?? DEFAULT_CONTENT_TYPE }
      checkContent(body)
      return items.create('documents', contextOf(actor), async (tx) => {
        const { aliases = [], ...fields } = body
        const created = await repo.insert(tx, { ...fields, owner_id: actor.id })
        for (const alias of aliases) await claimAlias(tx, actor, created.id, alias)
        return { ...created, aliases: [...aliases].sort() }
      })
    },

    async replace(actor: Actor, ref: string, body: ReplaceDocument, precondition: Precondition) {
      checkContent(body)
      return write(actor, ref, precondition, (tx, _before, id) =>
        repo.update(tx, actor, id, body, precondition),
      )
    },

    /** A merge patch; an empty one changes nothing but honours If-Match. */
    async update(actor: Actor, ref: string, patch: UpdateDocument, precondition: Precondition) {
      return write(actor, ref, precondition, (tx, before, id) => {
        if (patch.content !== undefined || patch.content_type !== undefined) {
          checkContent({
            content: patch.content ?? before.content,
            content_type: patch.content_type ?? before.content_type,
          })
        }
        return repo.update(tx, actor, id, patch, precondition)
      })
    },

    /**
     * Gives the document an alias: an update of the document (new version and ETag). Idempotent: an
     * alias it already has is a success that changes nothing (`created: false`).
     */
    async addAlias(actor: Actor, ref: string, alias: string, precondition: Precondition) {
      let created = false
      const row = await write(actor, ref, precondition, async (tx, before, id) => {
        created = !before.aliases.includes(alias)
        const updated = await repo.update(tx, actor, id, created ? 'touch' : {}, precondition)
        if (!updated || !created) return updated
        await claimAlias(tx, actor, id, alias)
        return { ...updated, aliases: [...before.aliases, alias].sort() }
      })
      return { row, created }
    },

    /** Takes an alias from the document (404 when it does not have it): an update of the document. */
    async removeAlias(actor: Actor, ref: string, alias: string, precondition: Precondition) {
      return write(actor, ref, precondition, async (tx, before, id) => {
        const updated = await repo.update(tx, actor, id, 'touch', precondition)
        if (!updated) return undefined
        if (!(await deps.aliases.release(tx, id, alias))) fail.notFound(`Alias ${alias} of document`, id)
        return { ...updated, aliases: before.aliases.filter((a) => a !== alias) }
      })
    },

    /** Aliases of live documents the actor may see; with `ref`, of that document only. */
    async listAliases(actor: Actor, query: ListAliases & Counting, ref?: string) {
      const sort = aliasSort(query.ordering ?? 'alias')
      const document_id = ref === undefined ? undefined : (await get(actor, ref)).id
      return deps.aliases.list(db, actor, 'live', { ...query, document_id }, pageRequest(query, sort), sort)
    },

    /** Aliases held (reserved) by archived documents the actor may see. */
    async listReservedAliases(actor: Actor, query: ListAliases & Counting) {
      const sort = aliasSort(query.ordering ?? 'alias')
      return deps.aliases.list(db, actor, 'archived', query, pageRequest(query, sort), sort)
    },

    /** The aliases of rows read in bulk (the archive's lists and items). */
    withAliases: async <Row extends { id: number }>(rows: Row[]) => {
      const byDocument = await repo.aliasesOf(
        db,
        rows.map((r) => r.id),
      )
      return rows.map((r) => ({ ...r, aliases: byDocument.get(r.id) ?? [] }))
    },
  }
}

export type DocumentsService = ReturnType<typeof createDocumentsService>
