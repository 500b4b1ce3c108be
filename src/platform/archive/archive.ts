import { randomUUID } from 'node:crypto'
import { type ExpressionBuilder, type Kysely, sql } from 'kysely'
import type { Db } from '../../db/database.js'
import type { Database } from '../../db/schema.js'
import type { Precondition } from '../../http/conditional.js'
import { AppError, fail } from '../../http/problem.js'
import type { Actor } from '../auth/actor.js'
import { type Change, contextOf, eraseChangeRecords, recordChanges } from '../changes/changes.js'

/**
 * The archivable resources, by declaration: the table, the column naming the owning user (a user
 * owns itself), and the parent type whose delete cascades to it. Documents and applications join by
 * adding a line here (`{ table: 'documents', owner: 'owner_id', parent: 'users' }`), not code.
 */
export const ARCHIVABLE = {
  users: { table: 'users', owner: 'id', parent: null, label: 'User' },
} as const satisfies Record<
  string,
  { table: keyof Database; owner: string; parent: string | null; label: string }
>

export type ArchiveType = keyof typeof ARCHIVABLE

/** The "not archived" condition every live query names: `.where(live('users'))`. */
export function live<T extends ArchiveType>(table: T) {
  return (eb: ExpressionBuilder<Database, T>) => eb(sql.ref(`${table}.deleted_at`), 'is', null)
}

/** Runs inside the purge transaction of items, to erase what other records keep about them. */
export type ErasureHook = (tx: Db, items: { type: ArchiveType; ids: number[] }) => Promise<void>

/** What every purge erases unless told otherwise: the personal data in the change log. */
export const ERASURE_HOOKS: ErasureHook[] = [eraseChangeRecords]

export interface ArchivedRow {
  id: number
  deleted_at: Date
  deleted_by: number
  purge_at: Date
  deletion_id: string
  version: number
  [column: string]: unknown
}

export function createArchive(deps: {
  db: Db
  retentionDays: Record<ArchiveType, number>
  urls: { live(type: ArchiveType, id: number): string; archive(type: ArchiveType, id: number): string }
  erasureHooks?: ErasureHook[]
}) {
  // Tables differ per declaration, so queries here are built on an untyped view of the same Kysely.
  const any = (db: Db) => db as unknown as Kysely<Record<string, { [column: string]: unknown }>>
  const visible = (type: ArchiveType, actor: Actor) => {
    const owner = sql.ref(`${ARCHIVABLE[type].table}.${ARCHIVABLE[type].owner}`)
    return sql<boolean>`${actor.role === 'admin' ? sql`true` : sql`${owner} = ${actor.id}`}`
  }
  const ownerOf = (type: ArchiveType, row: { [column: string]: unknown }) =>
    Number(row[ARCHIVABLE[type].owner])
  const LIVE = { deleted_at: null, deleted_by: null, purge_at: null, deletion_id: null }
  /** The change of archiving a row; before it only the archive columns (and the version) differed. */
  const deleted = (type: ArchiveType, row: ArchivedRow): Change => ({
    type,
    id: row.id,
    owner: ownerOf(type, row),
    action: 'deleted',
    before: { ...row, ...LIVE },
    after: row,
    deletionId: row.deletion_id,
  })
  const children = (type: ArchiveType) =>
    (Object.keys(ARCHIVABLE) as ArchiveType[]).filter((t) => ARCHIVABLE[t].parent === type)

  /** What happened to an id, as this actor may know it. */
  async function state(db: Db, type: ArchiveType, actor: Actor, id: number) {
    const { table, owner } = ARCHIVABLE[type]
    const row = await any(db)
      .selectFrom(table)
      .select([sql<Date | null>`deleted_at`.as('deleted_at'), sql<number>`${sql.ref(owner)}`.as('owner')])
      .where('id', '=', id)
      .executeTakeFirst()
    if (row) {
      const mine = actor.role === 'admin' || Number(row.owner) === actor.id
      return { state: row.deleted_at ? ('archived' as const) : ('live' as const), visible: mine }
    }
    const tombstone = await db
      .selectFrom('tombstones')
      .select('purged_at')
      .where('resource_type', '=', type)
      .where('resource_id', '=', id)
      .executeTakeFirst()
    return { state: tombstone ? ('purged' as const) : ('missing' as const), visible: false }
  }

  return {
    policy: () => ({ retention_days: { ...deps.retentionDays } }),

    /**
     * Why there is no live item `id` for this actor: 404 `archived` (with the archive link, for those
     * who may see it), 410 once purged, else a plain 404. Returns quietly when the item is live.
     */
    async explainMissing(db: Db, type: ArchiveType, actor: Actor, id: number): Promise<'live'> {
      const { state: s, visible: mine } = await state(db, type, actor, id)
      const label = ARCHIVABLE[type].label
      if (s === 'purged') throw new AppError(410, 'gone', `${label} ${id} was purged.`)
      if (s === 'archived' && mine) {
        throw new AppError(
          404,
          'archived',
          `${label} ${id} is archived; it can be restored from the archive.`,
          {
            links: { archive: deps.urls.archive(type, id) },
          },
        )
      }
      if (s !== 'live' || !mine) fail.notFound(label, id)
      return 'live'
    },

    /**
     * Why there is no archived item `id` for this actor: 410 once purged, 409 for the archive
     * operations when it is live (`live` says what to do about it), else 404.
     */
    async explainNotArchived(
      db: Db,
      type: ArchiveType,
      actor: Actor,
      id: number,
      live?: string,
    ): Promise<never> {
      const { state: s, visible: mine } = await state(db, type, actor, id)
      const label = ARCHIVABLE[type].label
      if (s === 'purged') throw new AppError(410, 'gone', `${label} ${id} was purged.`)
      if (s === 'live' && mine && live) fail.conflict('conflict', `${label} ${id} is live: ${live}`)
      return fail.notFound(`Archived ${label.toLowerCase()}`, id)
    },

    /**
     * Archives a live item and, under the same deletion id, the live items that declare it as their
     * parent. `purge_at` is fixed now: changing the retention later never purges early.
     */
    async archive(tx: Db, type: ArchiveType, actor: Actor, id: number, precondition: Precondition) {
      const now = new Date()
      const stamp = {
        deleted_at: now,
        deleted_by: actor.id,
        purge_at: new Date(now.getTime() + deps.retentionDays[type] * 86_400_000),
        deletion_id: randomUUID(),
      }
      let q = any(tx)
        .updateTable(ARCHIVABLE[type].table)
        .set({ ...stamp, version: sql`version + 1` })
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .where(visible(type, actor))
      if (Array.isArray(precondition)) q = q.where('version', 'in', [0, ...precondition])
      const row = (await q.returningAll().executeTakeFirst()) as ArchivedRow | undefined
      if (!row) return undefined
      const cascaded: Record<string, number[]> = {}
      const changes: Change[] = [deleted(type, row)]
      for (const child of children(type)) {
        const rows = (await any(tx)
          .updateTable(ARCHIVABLE[child].table)
          .set({ ...stamp, purge_at: new Date(now.getTime() + deps.retentionDays[child] * 86_400_000) })
          .where(ARCHIVABLE[child].owner, '=', id)
          .where('deleted_at', 'is', null)
          .returningAll()
          .execute()) as ArchivedRow[]
        if (rows.length) cascaded[child] = rows.map((r) => Number(r.id))
        changes.push(...rows.map((r) => deleted(child, r)))
      }
      // The caller records `changes` once its own effects of the delete are done.
      return { row, cascaded, changes }
    },

    async findArchived(db: Db, type: ArchiveType, actor: Actor, id: number) {
      return (await any(db)
        .selectFrom(ARCHIVABLE[type].table)
        .selectAll()
        .where('id', '=', id)
        .where('deleted_at', 'is not', null)
        .where(visible(type, actor))
        .executeTakeFirst()) as ArchivedRow | undefined
    },

    /** The archive of a type, filtered, for a page query ordered by purge_at (or id). */
    archivedQuery(
      db: Db,
      type: ArchiveType,
      actor: Actor,
      filters: { deleted_by?: number; deleted_after?: string; purge_before?: string } = {},
    ) {
      let q = any(db)
        .selectFrom(ARCHIVABLE[type].table)
        .selectAll()
        .where('deleted_at', 'is not', null)
        .where(visible(type, actor))
      if (filters.deleted_by !== undefined) q = q.where('deleted_by', '=', filters.deleted_by)
      if (filters.deleted_after !== undefined) q = q.where('deleted_at', '>', new Date(filters.deleted_after))
      if (filters.purge_before !== undefined) q = q.where('purge_at', '<', new Date(filters.purge_before))
      return q
    },

    /**
     * Restores an archived item and exactly the batch its delete archived (same deletion id), never
     * items archived earlier by another delete. The row is locked first, so a concurrent purge either
     * waits and then finds it live (409), or wins and the restore finds it gone (410).
     */
    async restore(tx: Db, type: ArchiveType, actor: Actor, id: number) {
      const { table } = ARCHIVABLE[type]
      const row = (await any(tx)
        .selectFrom(table)
        .selectAll()
        .where('id', '=', id)
        .where('deleted_at', 'is not', null)
        .where(visible(type, actor))
        .forUpdate()
        .executeTakeFirst()) as ArchivedRow | undefined
      if (!row) return undefined
      const changes: Change[] = []
      const restored = (t: ArchiveType, before: ArchivedRow, after: { id: number }): Change => ({
        type: t,
        id: after.id,
        owner: ownerOf(t, before),
        action: 'restored',
        before,
        after,
        deletionId: before.deletion_id,
      })
      for (const child of children(type)) {
        const batch = any(tx).selectFrom(ARCHIVABLE[child].table).where('deletion_id', '=', row.deletion_id)
        const before = (await batch.selectAll().orderBy('id').forUpdate().execute()) as ArchivedRow[]
        if (before.length === 0) continue
        const after = await any(tx)
          .updateTable(ARCHIVABLE[child].table)
          .set(LIVE)
          .where('deletion_id', '=', row.deletion_id)
          .returningAll()
          .execute()
        const byId = new Map(after.map((r) => [Number(r.id), r]))
        changes.push(...before.map((b) => restored(child, b, byId.get(b.id) as { id: number })))
      }
      const item = (await any(tx)
        .updateTable(table)
        .set({ ...LIVE, version: sql`version + 1` })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow()) as { id: number; version: number; [column: string]: unknown }
      await recordChanges(tx, contextOf(actor), [restored(type, row, item), ...changes])
      return item
    },

    /**
     * Purges an archived item now: its row (and, by the database's cascades, what hangs on it) goes,
     * a tombstone keeps only its type, id and time, and the erasure hooks run in the same transaction.
     */
    async purge(tx: Db, type: ArchiveType, actor: Actor, id: number): Promise<boolean> {
      const purged = await any(tx)
        .deleteFrom(ARCHIVABLE[type].table)
        .where('id', '=', id)
        .where('deleted_at', 'is not', null)
        .where(visible(type, actor))
        .returning(['id', 'deletion_id', ARCHIVABLE[type].owner])
        .executeTakeFirst()
      if (!purged) return false
      await tx.insertInto('tombstones').values({ resource_type: type, resource_id: id }).execute()
      for (const hook of deps.erasureHooks ?? ERASURE_HOOKS) await hook(tx, { type, ids: [id] })
      await recordChanges(tx, contextOf(actor), [
        {
          type,
          id,
          owner: ownerOf(type, purged),
          action: 'purged',
          deletionId: purged.deletion_id as string,
        },
      ])
      return true
    },
  }
}

export type Archive = ReturnType<typeof createArchive>
