import { sql } from 'kysely'
import type { Db } from '../../db/database.js'
import { fetchPage, type PageRequest, type Sort } from '../../db/pagination.js'
import type { Actor } from '../../platform/auth/actor.js'
import { archived, live, ownedBy } from '../../platform/resources/queries.js'
import type { ListAliases } from './documents.schemas.js'

/** One alias in a list; `id` is its document's, the tie-breaker a keyset page needs. */
export interface AliasRow {
  id: number
  alias: string
  created_at: Date
  purge_at: Date | null
}

export function aliasSort(ordering: string): Sort<AliasRow> {
  return {
    ordering,
    descending: ordering.startsWith('-'),
    expression: sql`document_aliases.alias`,
    value: (a) => a.alias,
  }
}

export const aliasesRepository = {
  /**
   * Claims an alias for a document. The alias is the table's primary key, so of two transactions
   * claiming it at once exactly one inserts; the other waits for it and then inserts nothing (no
   * error, so its transaction can go on to say who holds the alias). False when someone holds it.
   */
  async claim(tx: Db, documentId: number, alias: string): Promise<boolean> {
    const row = await tx
      .insertInto('document_aliases')
      .values({ alias, document_id: documentId })
      .onConflict((oc) => oc.column('alias').doNothing())
      .returning('alias')
      .executeTakeFirst()
    return row !== undefined
  },

  /** Whoever holds an alias, live or archived (archived documents keep their aliases reserved). */
  async holder(db: Db, alias: string) {
    return db
      .selectFrom('document_aliases')
      .innerJoin('documents', 'documents.id', 'document_aliases.document_id')
      .select(['documents.id', 'documents.owner_id', 'documents.deleted_at'])
      .where('document_aliases.alias', '=', alias)
      .executeTakeFirst()
  },

  /** Releases an alias of a document; false when the document did not have it. */
  async release(tx: Db, documentId: number, alias: string): Promise<boolean> {
    const row = await tx
      .deleteFrom('document_aliases')
      .where('alias', '=', alias)
      .where('document_id', '=', documentId)
      .returning('alias')
      .executeTakeFirst()
    return row !== undefined
  },

  /**
   * Aliases the actor may see, of live documents (`state: 'live'`) or of archived ones, which keep
   * them reserved (`state: 'archived'`); optionally of one document.
   */
  async list(
    db: Db,
    actor: Actor,
    state: 'live' | 'archived',
    filters: ListAliases & { document_id?: number },
    page: PageRequest,
    sort: Sort<AliasRow>,
  ) {
    let q = db
      .selectFrom('document_aliases')
      .innerJoin('documents', 'documents.id', 'document_aliases.document_id')
      .select([
        'document_aliases.document_id as id',
        'document_aliases.alias',
        'document_aliases.created_at',
        'documents.purge_at',
      ])
      .where(state === 'live' ? live('documents') : archived('documents'))
      .where(ownedBy('documents', actor))
    if (filters.owner_id !== undefined) q = q.where('documents.owner_id', '=', filters.owner_id)
    if (filters.document_id !== undefined) q = q.where('documents.id', '=', filters.document_id)
    return fetchPage(db, q, page, sort, 'document_aliases.document_id')
  },
}

export type AliasesRepository = typeof aliasesRepository
