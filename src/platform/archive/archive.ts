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
 * owns itself), and the parent type whose delete cascades to it. A resource joins by adding a line
 * here, not code: deleting a parent archives its live children in the same batch, restoring it
 * restores that batch, a child cannot be restored while its parent is archived, and purging a parent
 * purges its children one by one (tombstones and erasure hooks included). Parents come before their
 * children, the order in which rows are locked.
 */
export const ARCHIVABLE = {
  users: { table: 'users', owner: 'id', parent: null, label: 'User' },
  documents: { table: 'documents', owner: 'owner_id', parent: 'users', label: 'Document' },
} as const satisfies Record<
  string,
  { table: keyof Database; owner: string; parent: string | null; label: string }
>

export type ArchiveType = keyof typeof ARCHIVABLE

const ownerOf = (type: ArchiveType, row: { [column: string]: unknown }) => Number(row[ARCHIVABLE[type].owner])
const LIVE = { deleted_at: null, deleted_by: null, purge_at: null, deletion_id: null }

// Tables differ per declaration, so queries here are built on an untyped view of the same Kysely.
const untyped = (db: Db) => db as unknown as Kysely<Record<string, { [column: string]: unknown }>>
const children = (type: ArchiveType) =>
  (Object.keys(ARCHIVABLE) as ArchiveType[]).filter((t) => ARCHIVABLE[t].parent === type)

/**
 * Purges items of `type` (already locked or claimed by the caller) in the caller's transaction, and
 * before them every item their owner holds of the child types: purging a user is an erasure, so
 * their documents are purged explicitly, each tombstoned and passed to the erasure hooks, not left
 * to the foreign key's cascade. Returns the ids purged, by type.
 */
export async function purgeItems(
  tx: Db,
  type: ArchiveType,
  ids: number[],
  hooks: ErasureHook[] = ERASURE_HOOKS,
): Promise<{ purged: Partial<Record<ArchiveType, number[]>>; changes: Change[] }> {
  const purged: Partial<Record<ArchiveType, number[]>> = {}
  const changes: Change[] = []
  if (ids.length === 0) return { purged, changes }
  // One array parameter, not an IN list: one prepared statement whatever the batch's length.
  const idList = sql`${sql.val(ids)}::bigint[]`
  for (const child of children(type)) {
    const { table, owner } = ARCHIVABLE[child]
    const { rows } = await sql<{ id: number }>`
      SELECT id FROM ${sql.table(table)} WHERE ${sql.ref(owner)} = ANY(${idList}) ORDER BY id FOR UPDATE`.execute(
      tx,
    )
    const below = await purgeItems(
      tx,
      child,
      rows.map((r) => Number(r.id)),
      hooks,
    )
    for (const [t, list] of Object.entries(below.purged)) {
      purged[t as ArchiveType] = [...(purged[t as ArchiveType] ?? []), ...list]
    }
    changes.push(...below.changes)
  }
  const { owner } = ARCHIVABLE[type]
  const { rows } = await sql<{ id: number; owner: number; deletion_id: string | null }>`
    DELETE FROM ${sql.table(ARCHIVABLE[type].table)} WHERE id = ANY(${idList})
    RETURNING id, ${sql.ref(owner)} AS owner, deletion_id`.execute(tx)
  const gone = rows.map((r) => Number(r.id))
  if (gone.length) {
    await tx
      .insertInto('tombstones')
      .values(gone.map((id) => ({ resource_type: type, resource_id: id })))
      .onConflict((oc) => oc.doNothing())
      .execute()
    for (const hook of hooks) await hook(tx, { type, ids: gone })
  }
  purged[type] = [...(purged[type] ?? []), ...gone]
  // A purge record carries no data: only that the item is gone, and which delete had archived it.
  changes.push(
    ...rows.map((r) => ({
      type,
      id: Number(r.id),
      owner: Number(r.owner),
      action: 'purged' as const,
      deletionId: r.deletion_id,
    })),
  )
  return { purged, changes }
}

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
  const any = untyped
  const visible = (type: ArchiveType, actor: Actor) => {
    const owner = sql.ref(`${ARCHIVABLE[type].table}.${ARCHIVABLE[type].owner}`)
    return sql<boolean>`${actor.role === 'admin' ? sql`true` : sql`${owner} = ${actor.id}`}`
  }
  /**
   * The change of archiving a row; before it only the archive columns differed, and the version for the
   * item deleted itself (its cascade keeps their versions).
   */
  const deleted = (type: ArchiveType, row: ArchivedRow, bumped: boolean): Change => ({
    type,
    id: row.id,
    owner: ownerOf(type, row),
    action: 'deleted',
    before: { ...row, ...LIVE, version: bumped ? row.version - 1 : row.version },
    after: row,
    deletionId: row.deletion_id,
  })

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
      const changes: Change[] = [deleted(type, row, true)]
      for (const child of children(type)) {
        const rows = (await any(tx)
          .updateTable(ARCHIVABLE[child].table)
          .set({ ...stamp, purge_at: new Date(now.getTime() + deps.retentionDays[child] * 86_400_000) })
          .where(ARCHIVABLE[child].owner, '=', id)
          .where('deleted_at', 'is', null)
          .returningAll()
          .execute()) as ArchivedRow[]
        if (rows.length) cascaded[child] = rows.map((r) => Number(r.id))
        changes.push(...rows.map((r) => deleted(child, r, false)))
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
     * waits and then finds it live (409), or wins and the restore finds it gone (410). A child whose
     * parent is archived stays archived (409): restoring the parent brings back its batch. The parent
     * is locked before the child, the order every archive, restore and purge locks rows in, so a
     * purge or delete of the parent running at the same time waits instead of deadlocking.
     */
    async restore(tx: Db, type: ArchiveType, actor: Actor, id: number) {
      const { table, parent, owner, label } = ARCHIVABLE[type]
      let parentRow: { id: number; deleted_at: Date | null } | undefined
      if (parent !== null) {
        const child = await any(tx)
          .selectFrom(table)
          .select(sql<number>`${sql.ref(owner)}`.as('owner'))
          .where('id', '=', id)
          .executeTakeFirst()
        if (child) {
          parentRow = (await any(tx)
            .selectFrom(ARCHIVABLE[parent].table)
            .select(['id', 'deleted_at'])
            .where('id', '=', child.owner)
            .forShare()
            .executeTakeFirst()) as typeof parentRow
        }
      }
      const row = (await any(tx)
        .selectFrom(table)
        .selectAll()
        .where('id', '=', id)
        .where('deleted_at', 'is not', null)
        .where(visible(type, actor))
        .forUpdate()
        .executeTakeFirst()) as ArchivedRow | undefined
      if (!row) return undefined
      if (parent !== null && parentRow?.deleted_at) {
        const parentId = Number(parentRow.id)
        const mine = actor.role === 'admin' || parentId === actor.id
        fail.conflict(
          'conflict',
          `${label} ${id} belongs to ${ARCHIVABLE[parent].label.toLowerCase()} ${parentId}, who is archived: ` +
            'restore them first, which restores what their delete archived.',
          mine ? { links: { owner_archive: deps.urls.archive(parent, parentId) } } : {},
        )
      }
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
     * Purges an archived item now, with everything its owner holds of the child types (see
     * `purgeItems`): rows go, tombstones keep only type, id and time, and the erasure hooks run in
     * the same transaction.
     */
    async purge(tx: Db, type: ArchiveType, actor: Actor, id: number): Promise<boolean> {
      const claimed = await any(tx)
        .selectFrom(ARCHIVABLE[type].table)
        .select('id')
        .where('id', '=', id)
        .where('deleted_at', 'is not', null)
        .where(visible(type, actor))
        .forUpdate()
        .executeTakeFirst()
      if (!claimed) return false
      const { changes } = await purgeItems(tx, type, [id], deps.erasureHooks)
      await recordChanges(tx, contextOf(actor), changes)
      return true
    },
  }
}

export type Archive = ReturnType<typeof createArchive>
