import { type SelectQueryBuilder, sql } from 'kysely'
import type { Db } from '../../db/database.js'
import {
  fetchPage,
  type PageRequest,
  type Sort,
  type SortKey,
  sortFor,
  timestampKey,
} from '../../db/pagination.js'
import { prepared } from '../../db/prepared.js'
import type { Database, DocumentRow, DocumentUpdate, NewDocumentRow } from '../../db/schema.js'
import type { Precondition } from '../../http/conditional.js'
import { type Actor, ROLES, type Role } from '../../platform/auth/actor.js'
import { changed, live, ownedBy, reachable, writable } from '../../platform/resources/queries.js'
import { likePattern } from '../../platform/resources/search.js'
import type { ListDocuments } from './documents.schemas.js'

/** The document's aliases, sorted, as one column: every read of a document is one query. */
const aliases = sql<string[]>`ARRAY(
  SELECT a.alias FROM document_aliases a WHERE a.document_id = documents.id ORDER BY a.alias)`.as('aliases')

/** What a list shows of a document: everything but the content (up to DOCUMENT_MAX_BYTES each). */
const SUMMARY = [
  'documents.id',
  'documents.owner_id',
  'documents.title',
  'documents.content_type',
  'documents.version',
  'documents.created_at',
  'documents.updated_at',
] as const
export type DocumentSummaryRow = Pick<
  DocumentRow,
  'id' | 'owner_id' | 'title' | 'content_type' | 'version' | 'created_at' | 'updated_at' | 'aliases'
>

type Lookup = Record<Role, (db: Db, params: { ref: unknown; actorId: number }) => Promise<DocumentRow[]>>

/**
 * Reading one live document, compiled once per role (see `prepared`), because every read of a
 * document runs it. `match` gives the id to read: the ref itself, or the document of an alias, found
 * through the alias's primary key; so the alias read is the id read plus one index probe.
 */
const lookup = (
  match: (
    db: Db,
    ref: never,
  ) => number | SelectQueryBuilder<Database, 'document_aliases', { document_id: number }>,
): Lookup =>
  Object.fromEntries(
    ROLES.map((role) => [
      role,
      prepared(['ref', 'actorId'], (db, p) =>
        db
          .selectFrom('documents')
          .selectAll('documents')
          .select(aliases)
          .where(reachable('documents', { id: p.actorId, role }, match(db, p.ref) as never)),
      ),
    ]),
  ) as Lookup

const findVisible = {
  id: lookup((_db, ref) => ref),
  alias: lookup((db, ref) =>
    db.selectFrom('document_aliases').select('document_id').where('document_aliases.alias', '=', ref),
  ),
}

const SORTS: Record<string, SortKey<DocumentSummaryRow>> = {
  id: { expression: null, value: (d) => d.id },
  title: { expression: sql`documents.title`, value: (d) => d.title },
  created_at: timestampKey(sql`documents.created_at`, (d) => d.created_at),
  updated_at: timestampKey(sql`documents.updated_at`, (d) => d.updated_at),
}

export const documentSort = (ordering: string) => sortFor(SORTS, ordering)

export const documentsRepository = {
  async insert(db: Db, row: NewDocumentRow): Promise<DocumentRow> {
    const inserted = await db.insertInto('documents').values(row).returningAll().executeTakeFirstOrThrow()
    return { ...inserted, aliases: [] }
  },

  /** One live document, by id or alias, if the actor may see it. Prepared: every read runs it. */
  async findVisible(
    db: Db,
    actor: Actor,
    ref: { id: number } | { alias: string },
  ): Promise<DocumentRow | undefined> {
    const [row] =
      'id' in ref
        ? await findVisible.id[actor.role](db, { ref: ref.id, actorId: actor.id })
        : await findVisible.alias[actor.role](db, { ref: ref.alias, actorId: actor.id })
    return row
  },

  /** The live document `id`, visible to the actor, locked until the transaction ends: a write's "before". */
  async lock(tx: Db, actor: Actor, id: number): Promise<DocumentRow | undefined> {
    return tx
      .selectFrom('documents')
      .selectAll('documents')
      .select(aliases)
      .where(reachable('documents', actor, id))
      .forUpdate()
      .executeTakeFirst()
  },

  /**
   * The guarded update of a live document the actor may change: nothing is updated (undefined) unless
   * If-Match allows it. Bumps the version (the ETag) when something changes, or for `touch`.
   */
  async update(
    tx: Db,
    actor: Actor,
    id: number,
    changes: DocumentUpdate | 'touch',
    precondition: Precondition,
  ): Promise<DocumentRow | undefined> {
    return tx
      .updateTable('documents')
      .set(changed(changes))
      .where(writable('documents', actor, id, precondition))
      .returningAll()
      .returning(aliases)
      .executeTakeFirst()
  },

  async list(
    db: Db,
    actor: Actor,
    filters: ListDocuments,
    page: PageRequest,
    sort: Sort<DocumentSummaryRow>,
  ) {
    let q = db
      .selectFrom('documents')
      .select(SUMMARY)
      .select(aliases)
      .where(live('documents'))
      .where(ownedBy('documents', actor))
    if (filters.owner_id !== undefined) q = q.where('documents.owner_id', '=', filters.owner_id)
    if (filters.content_type !== undefined) q = q.where('documents.content_type', '=', filters.content_type)
    if (filters.since_id !== undefined) q = q.where('documents.id', '>', filters.since_id)
    if (filters.max_id !== undefined) q = q.where('documents.id', '<', filters.max_id)
    if (filters.created_after !== undefined)
      q = q.where('documents.created_at', '>', new Date(filters.created_after))
    if (filters.created_before !== undefined)
      q = q.where('documents.created_at', '<', new Date(filters.created_before))
    if (filters.search !== undefined) {
      const pattern = likePattern(filters.search)
      q = q.where((eb) =>
        eb.or([
          eb(sql`lower(documents.title)`, 'like', pattern),
          eb(sql`lower(documents.content)`, 'like', pattern),
        ]),
      )
    }
    return fetchPage(db, q, page, sort, 'documents.id')
  },

  /** The aliases of documents, by document id (for archived representations, which read rows in bulk). */
  async aliasesOf(db: Db, ids: number[]): Promise<Map<number, string[]>> {
    const byDocument = new Map<number, string[]>(ids.map((id) => [id, []]))
    if (ids.length === 0) return byDocument
    const rows = await db
      .selectFrom('document_aliases')
      .select(['document_id', 'alias'])
      .where('document_id', 'in', ids)
      .orderBy('alias')
      .execute()
    for (const row of rows) byDocument.get(Number(row.document_id))?.push(row.alias)
    return byDocument
  },
}

export type DocumentsRepository = typeof documentsRepository
