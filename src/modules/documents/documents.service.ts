import type { Db } from '../../db/database.js'
import { pageRequest } from '../../db/pagination.js'
import type { ContentType, DocumentRow } from '../../db/schema.js'
import type { Precondition } from '../../http/conditional.js'
import { etag } from '../../http/conditional.js'
import { AppError, fail } from '../../http/problem.js'
import { type Archive, type ArchiveType, live } from '../../platform/archive/archive.js'
import { type Actor, isAdmin } from '../../platform/auth/actor.js'
import { contextOf, recordChanges } from '../../platform/changes/changes.js'
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
  repo: DocumentsRepository
  aliases: AliasesRepository
  archive: Pick<Archive, 'archive' | 'explainMissing'>
  urls: { live(type: ArchiveType, id: number): string; archive(type: ArchiveType, id: number): string }
  /** DOCUMENT_MAX_BYTES: the largest content, in UTF-8 bytes. */
  maxBytes: number
}) {
  const { db, repo } = deps
  const mayKnow = (actor: Actor, owner: number) => isAdmin(actor) || owner === actor.id

  /** 413 above the size limit; JSON content that does not parse is a 400 pointing at it. */
  const checkContent = (doc: { content: string; content_type: ContentType }) => {
    const bytes = Buffer.byteLength(doc.content, 'utf8')
    if (bytes > deps.maxBytes) {
      throw new AppError(
        413,
        'payload_too_large',
        `The content is ${bytes} bytes in UTF-8; a document holds at most ${deps.maxBytes}.`,
      )
    }
    if (doc.content_type === 'application/json') {
      try {
        JSON.parse(doc.content)
      } catch (error) {
        fail.validation([{ pointer: '/content', detail: `is not valid JSON (${(error as Error).message})` }])
      }
    }
  }

  /**
   * Why no live document has this alias for the actor: 404 `archived` with the archive link when it
   * is one of theirs that is archived, else a plain 404 that tells nothing about others' documents.
   */
  const explainAlias = async (db: Db, actor: Actor, alias: string): Promise<never> => {
    const holder = await deps.aliases.holder(db, alias)
    if (holder && mayKnow(actor, holder.owner_id))
      await deps.archive.explainMissing(db, 'documents', actor, holder.id)
    return fail.notFound('Document', alias)
  }

  /** Why there is no live document `id` for the actor (404, 404 `archived`, 410 `gone`). */
  const explainId = async (db: Db, actor: Actor, id: number): Promise<never> => {
    await deps.archive.explainMissing(db, 'documents', actor, id)
    return fail.notFound('Document', id) // live after all: restored between the two reads
  }

  /**
   * Opens a write: the live document `ref` names, locked until the transaction ends (the "before"
   * of the change), with If-Match checked against it, so check and write are atomic.
   */
  const lockForWrite = async (tx: Db, actor: Actor, ref: string, precondition: Precondition) => {
    const parsed = parseRef(ref)
    let id: number
    if ('id' in parsed) id = parsed.id
    else id = (await repo.findVisible(tx, actor, parsed))?.id ?? (await explainAlias(tx, actor, parsed.alias))
    const current = (await repo.lockVisible(tx, actor, id)) ?? (await explainId(tx, actor, id))
    if (Array.isArray(precondition) && !precondition.includes(current.version))
      fail.preconditionFailed(`If-Match does not match the current ETag ${etag(current.version)}.`)
    return current
  }

  /**
   * Claims an alias for a document inside the caller's transaction. The primary key decides races;
   * the loser learns whether a live document has the alias (409 `alias_taken`) or an archived one
   * keeps it reserved (409 `alias_reserved`), with a link for callers who may see that document.
   */
  const claimAlias = async (tx: Db, actor: Actor, documentId: number, alias: string) => {
    if (await deps.aliases.claim(tx, documentId, alias)) return
    const holder = await deps.aliases.holder(tx, alias)
    const mine = holder !== undefined && mayKnow(actor, holder.owner_id)
    if (holder?.deleted_at) {
      fail.conflict(
        'alias_reserved',
        `The alias ${alias} belongs to an archived document: it stays reserved until that document is purged.`,
        mine ? { links: { archive: deps.urls.archive('documents', holder.id) } } : {},
      )
    }
    fail.conflict(
      'alias_taken',
      `The alias ${alias} belongs to another document.`,
      mine && holder ? { links: { document: deps.urls.live('documents', holder.id) } } : {},
    )
  }

  const get = async (actor: Actor, ref: string): Promise<DocumentRow> => {
    const parsed = parseRef(ref)
    const found = await repo.findVisible(deps.lookups, actor, parsed)
    if (found) return found
    if ('alias' in parsed) return explainAlias(db, actor, parsed.alias)
    await explainId(db, actor, parsed.id)
    return (await repo.findVisible(db, actor, parsed)) ?? fail.notFound('Document', parsed.id)
  }

  /** The change record of a document's write: the last statement of its transaction. */
  const recorded = async (tx: Db, actor: Actor, before: DocumentRow | null, after: DocumentRow) => {
    const action = before ? 'updated' : 'created'
    await recordChanges(tx, contextOf(actor), [
      { type: 'documents', id: after.id, owner: after.owner_id, action, before, after },
    ])
    return after
  }

  // Every mutation below is one transaction, and records its change in it.
  return {
    get,

    async list(actor: Actor, query: ListDocuments) {
      const ordering = query.ordering ?? 'id'
      return repo.list(db, actor, query, pageRequest(query, ordering), documentSort(ordering))
    },

    /** A document of the actor's, with the aliases it claims: all of them, or nothing is created. */
    async create(actor: Actor, input: CreateDocument): Promise<DocumentRow> {
      // Over HTTP the schema's default has filled content_type in; a caller in code may omit it too.
      const body = { ...input, content_type: input.content_type ?? DEFAULT_CONTENT_TYPE }
      checkContent(body)
      return db.transaction().execute(async (tx) => {
        // The owner, locked like every write locks a parent before its child: a delete of the owner
        // running now either waits for this document (and archives it too) or has archived the owner.
        const owner = await tx
          .selectFrom('users')
          .select('id')
          .where('id', '=', actor.id)
          .where(live('users'))
          .forShare()
          .executeTakeFirst()
        if (!owner)
          throw new AppError(401, 'unauthorized', 'This account is archived: it cannot create documents.')
        const { aliases = [], ...fields } = body
        const created = await repo.insert(tx, { ...fields, owner_id: actor.id })
        for (const alias of aliases) await claimAlias(tx, actor, created.id, alias)
        return recorded(tx, actor, null, { ...created, aliases: [...aliases].sort() })
      })
    },

    async replace(actor: Actor, ref: string, body: ReplaceDocument, precondition: Precondition) {
      checkContent(body)
      return db.transaction().execute(async (tx) => {
        const before = await lockForWrite(tx, actor, ref, precondition)
        return recorded(tx, actor, before, await repo.update(tx, before.id, body))
      })
    },

    async update(actor: Actor, ref: string, patch: UpdateDocument, precondition: Precondition) {
      return db.transaction().execute(async (tx) => {
        const before = await lockForWrite(tx, actor, ref, precondition)
        // An empty merge patch changes nothing: the item as it is, If-Match still honoured.
        if (Object.keys(patch).length === 0) return before
        if (patch.content !== undefined || patch.content_type !== undefined) {
          checkContent({
            content: patch.content ?? before.content,
            content_type: patch.content_type ?? before.content_type,
          })
        }
        return recorded(tx, actor, before, await repo.update(tx, before.id, patch))
      })
    },

    /** Archives the document (a reversible delete); its aliases stay reserved while it is archived. */
    async archive(actor: Actor, ref: string, precondition: Precondition) {
      return db.transaction().execute(async (tx) => {
        const before = await lockForWrite(tx, actor, ref, precondition)
        const archived =
          (await deps.archive.archive(tx, 'documents', actor, before.id, null)) ??
          fail.notFound('Document', before.id)
        await recordChanges(tx, contextOf(actor), archived.changes)
        return { row: { ...archived.row, aliases: before.aliases }, cascaded: archived.cascaded }
      })
    },

    /**
     * Gives the document an alias: an update of the document (new version and ETag). Idempotent:
     * an alias it already has is a success that changes nothing (`created: false`).
     */
    async addAlias(actor: Actor, ref: string, alias: string, precondition: Precondition) {
      return db.transaction().execute(async (tx) => {
        const before = await lockForWrite(tx, actor, ref, precondition)
        if (before.aliases.includes(alias)) return { row: before, created: false }
        await claimAlias(tx, actor, before.id, alias)
        return { row: await recorded(tx, actor, before, await repo.update(tx, before.id, {})), created: true }
      })
    },

    /** Takes an alias from the document (404 when it does not have it): an update of the document. */
    async removeAlias(actor: Actor, ref: string, alias: string, precondition: Precondition) {
      return db.transaction().execute(async (tx) => {
        const before = await lockForWrite(tx, actor, ref, precondition)
        if (!(await deps.aliases.release(tx, before.id, alias)))
          fail.notFound(`Alias ${alias} of document`, before.id)
        return recorded(tx, actor, before, await repo.update(tx, before.id, {}))
      })
    },

    /** Aliases of live documents the actor may see; with `ref`, of that document only. */
    async listAliases(actor: Actor, query: ListAliases, ref?: string) {
      const ordering = query.ordering ?? 'alias'
      const document_id = ref === undefined ? undefined : (await get(actor, ref)).id
      return deps.aliases.list(
        db,
        actor,
        'live',
        { ...query, document_id },
        pageRequest(query, ordering),
        aliasSort(ordering),
      )
    },

    /** Aliases held (reserved) by archived documents the actor may see. */
    async listReservedAliases(actor: Actor, query: ListAliases) {
      const ordering = query.ordering ?? 'alias'
      return deps.aliases.list(
        db,
        actor,
        'archived',
        query,
        pageRequest(query, ordering),
        aliasSort(ordering),
      )
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
