import { randomUUID } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import type { Db } from '../../db/database.js'
import type { Precondition } from '../../http/conditional.js'
import { fail } from '../../http/problem.js'
import type { Urls } from '../../http/urls.js'
import type { Actor } from '../auth/actor.js'
import {
  type Change,
  type ChangeContext,
  contextOf,
  eraseChangeRecords,
  recordChanges,
  SYSTEM,
} from '../changes/changes.js'
import { createItems } from '../resources/items.js'
import { archived, live, ownedBy, owns, writable } from '../resources/queries.js'
import { childrenOf, ownerOf, RESOURCE_TYPES, RESOURCES, type ResourceType } from '../resources/registry.js'
import { eraseTransitions } from '../workflow/transitions.js'

/** What an archive operation did to items of one type. */
export interface ArchiveEvent {
  action: 'deleted' | 'restored' | 'purged'
  type: ResourceType
  ids: number[]
}

/**
 * What other parts of the service do when items are archived, restored or purged, in one shape:
 * `during` runs in the operation's transaction before its change records (a failure rolls the whole
 * operation back: a purge is never half erased), `after` once it has committed (caches forget).
 * Each is called once per type the operation touched, children before parents on purge.
 */
export interface ArchiveHook {
  during?(tx: Db, event: ArchiveEvent): Promise<void>
  after?(event: ArchiveEvent): void | Promise<void>
}

export interface ArchivedRow {
  id: number
  deleted_at: Date
  deleted_by: number
  purge_at: Date
  deletion_id: string
  version: number
  [column: string]: unknown
}

export interface PurgeResult {
  purged: Record<ResourceType, number>
  batches: number
}

const LIVE = { deleted_at: null, deleted_by: null, purge_at: null, deletion_id: null }

// Tables differ per declaration, so queries here are built on an untyped view of the same Kysely.
const any = (db: Db) => db as unknown as Kysely<Record<string, { [column: string]: unknown }>>

/**
 * Reversible deletes (DESIGN §4) for every resource of the registry: delete (archive, with the live
 * children under one deletion id), restore (exactly that batch), purge (now, or by the job once
 * `purge_at` has passed). Each operation is one transaction that runs the hooks and writes its change
 * records last; a miss is explained by `items.explainMiss`.
 */
export function createArchive(deps: {
  db: Db
  urls: Pick<Urls, 'archived'>
  retentionDays: Record<ResourceType, number>
  /** Besides the erasure every purge runs (the change log's redaction, the workflow history). */
  hooks?: ArchiveHook[]
}) {
  const { db } = deps
  const { explainMiss } = createItems({ db, lookups: db, urls: deps.urls })
  // A purge erases every trace of what it purged, whoever runs it (the app, `custodian purge`): the
  // personal data in the change log, and the status history of workflow items.
  const hooks: ArchiveHook[] = [
    { during: (tx, e) => (e.action === 'purged' ? eraseChangeRecords(tx, e) : Promise.resolve()) },
    eraseTransitions,
    ...(deps.hooks ?? []),
  ]

  /** Runs an operation in a transaction: its hooks, then its change records, then the `after` hooks. */
  async function operation<T>(
    context: ChangeContext,
    work: (tx: Db, events: ArchiveEvent[], changes: Change[]) => Promise<T | undefined>,
  ): Promise<T | undefined> {
    const events: ArchiveEvent[] = []
    const result = await db.transaction().execute(async (tx) => {
      const changes: Change[] = []
      const done = await work(tx, events, changes)
      if (done === undefined) return undefined
      for (const event of events) for (const hook of hooks) await hook.during?.(tx, event)
      await recordChanges(tx, context, changes)
      return done
    })
    if (result !== undefined) for (const event of events) for (const hook of hooks) await hook.after?.(event)
    return result
  }

  /**
   * Purges items of `type` (already locked or claimed by the caller) and, before them, everything
   * their owners hold of the child types: purging a user is an erasure, so their documents are purged
   * explicitly, each tombstoned and passed to the hooks, not left to the foreign key's cascade.
   */
  async function purgeItems(
    tx: Db,
    type: ResourceType,
    claimed: { id: number }[],
    events: ArchiveEvent[],
    changes: Change[],
  ) {
    if (claimed.length === 0) return
    const ids = claimed.map((r) => Number(r.id))
    // One array parameter, not an IN list: one prepared statement whatever the batch's length.
    const idList = sql`${sql.val(ids)}::bigint[]`
    for (const child of childrenOf(type)) {
      const { table, owner } = RESOURCES[child]
      const { rows } = await sql<{ id: number }>`
        SELECT id FROM ${sql.table(table)} WHERE ${sql.ref(owner)} = ANY(${idList}) ORDER BY id FOR UPDATE`.execute(
        tx,
      )
      await purgeItems(tx, child, rows, events, changes)
    }
    const { rows } = await sql<{ id: number; owner: number; deletion_id: string | null }>`
      DELETE FROM ${sql.table(RESOURCES[type].table)} WHERE id = ANY(${idList})
      RETURNING id, ${sql.ref(RESOURCES[type].owner)} AS owner, deletion_id`.execute(tx)
    if (rows.length === 0) return
    const gone = rows.map((r) => Number(r.id))
    await tx
      .insertInto('tombstones')
      .values(gone.map((id) => ({ resource_type: type, resource_id: id })))
      .onConflict((oc) => oc.doNothing())
      .execute()
    events.push({ action: 'purged', type, ids: gone })
    // A purge record carries no data: only that the item is gone, and which delete had archived it.
    for (const r of rows)
      changes.push({
        type,
        id: Number(r.id),
        owner: Number(r.owner),
        action: 'purged',
        deletionId: r.deletion_id,
      })
  }

  /** The change of archiving or restoring a row; the item itself has a new version, its batch not. */
  const archiveChange = (
    type: ResourceType,
    action: 'deleted' | 'restored',
    before: { [column: string]: unknown },
    after: ArchivedRow | { id: number; [column: string]: unknown },
    deletionId: string,
  ): Change => ({
    type,
    id: Number(after.id),
    owner: ownerOf(type, after),
    action,
    before,
    after,
    deletionId,
  })

  const purgeAt = (type: ResourceType, now: Date) =>
    new Date(now.getTime() + deps.retentionDays[type] * 86_400_000)

  return {
    addHook(hook: ArchiveHook) {
      hooks.push(hook)
    },

    policy: () => ({ retention_days: { ...deps.retentionDays } }),

    /**
     * Deletes (archives) a live item the actor may reach, if `If-Match` allows, and under the same
     * deletion id its live children. `purge_at` is fixed now: changing the retention later never purges
     * early. The guarded UPDATE decides concurrent deletes and writes; a miss is explained.
     */
    async delete(type: ResourceType, actor: Actor, id: number, precondition: Precondition) {
      const { table } = RESOURCES[type]
      const result = await operation(contextOf(actor), async (tx, events, changes) => {
        const now = new Date()
        const stamp = { deleted_at: now, deleted_by: actor.id, deletion_id: randomUUID() }
        const row = (await any(tx)
          .updateTable(table)
          .set({ ...stamp, purge_at: purgeAt(type, now), version: sql`version + 1` })
          .where(writable(type, actor, id, precondition))
          .returningAll()
          .executeTakeFirst()) as ArchivedRow | undefined
        if (!row) return undefined
        events.push({ action: 'deleted', type, ids: [id] })
        changes.push(
          archiveChange(
            type,
            'deleted',
            { ...row, ...LIVE, version: row.version - 1 },
            row,
            stamp.deletion_id,
          ),
        )
        const cascaded: Record<string, number[]> = {}
        for (const child of childrenOf(type)) {
          const { table: childTable, owner } = RESOURCES[child]
          const rows = (await any(tx)
            .updateTable(childTable)
            .set({ ...stamp, purge_at: purgeAt(child, now) })
            .where(owner, '=', id)
            .where(live(childTable))
            .returningAll()
            .execute()) as ArchivedRow[]
          if (rows.length === 0) continue
          cascaded[child] = rows.map((r) => Number(r.id))
          events.push({ action: 'deleted', type: child, ids: cascaded[child] })
          for (const r of rows)
            changes.push(archiveChange(child, 'deleted', { ...r, ...LIVE }, r, stamp.deletion_id))
        }
        return { row, cascaded }
      })
      if (result) return result
      await explainMiss(db, type, actor, id, { precondition })
      return fail.notFound(RESOURCES[type].label, id)
    },

    /** One archived item the actor may see, or the miss explained (410, 404). */
    async find(type: ResourceType, actor: Actor, id: number): Promise<ArchivedRow> {
      const { table } = RESOURCES[type]
      const row = (await any(db)
        .selectFrom(table)
        .selectAll()
        .where('id', '=', id)
        .where(archived(table))
        .where(ownedBy(type, actor))
        .executeTakeFirst()) as ArchivedRow | undefined
      if (row) return row
      await explainMiss(db, type, actor, id, { wanted: 'archived' })
      return fail.notFound(`Archived ${RESOURCES[type].label.toLowerCase()}`, id)
    },

    /** The archive of a type, filtered, for a page query ordered by purge_at (or id). */
    listQuery(
      type: ResourceType,
      actor: Actor,
      filters: { deleted_by?: number; deleted_after?: string; purge_before?: string } = {},
    ) {
      const { table } = RESOURCES[type]
      let q = any(db).selectFrom(table).selectAll().where(archived(table)).where(ownedBy(type, actor))
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
    async restore(type: ResourceType, actor: Actor, id: number) {
      const { table, parent, owner, label } = RESOURCES[type]
      const restored = await operation(contextOf(actor), async (tx, events, changes) => {
        let parentRow: { id: number; deleted_at: Date | null } | undefined
        if (parent !== null) {
          const child = await any(tx)
            .selectFrom(table)
            .select(sql<number>`${sql.ref(owner)}`.as('owner'))
            .where('id', '=', id)
            .executeTakeFirst()
          if (child) {
            parentRow = (await any(tx)
              .selectFrom(RESOURCES[parent].table)
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
          .where(archived(table))
          .where(ownedBy(type, actor))
          .forUpdate()
          .executeTakeFirst()) as ArchivedRow | undefined
        if (!row) return undefined
        if (parent !== null && parentRow?.deleted_at) {
          const parentId = Number(parentRow.id)
          const mine = owns(actor, parentId)
          fail.conflict(
            'conflict',
            `${label} ${id} belongs to ${RESOURCES[parent].label.toLowerCase()} ${parentId}, who is archived: ` +
              'restore them first, which restores what their delete archived.',
            mine ? { links: { owner_archive: deps.urls.archived(parent, parentId) } } : {},
          )
        }
        const item = (await any(tx)
          .updateTable(table)
          .set({ ...LIVE, version: sql`version + 1` })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow()) as { id: number; version: number; [column: string]: unknown }
        events.push({ action: 'restored', type, ids: [id] })
        changes.push(archiveChange(type, 'restored', row, item, row.deletion_id))
        for (const child of childrenOf(type)) {
          const batch = any(tx).selectFrom(RESOURCES[child].table).where('deletion_id', '=', row.deletion_id)
          const before = (await batch.selectAll().orderBy('id').forUpdate().execute()) as ArchivedRow[]
          if (before.length === 0) continue
          const after = await any(tx)
            .updateTable(RESOURCES[child].table)
            .set(LIVE)
            .where('deletion_id', '=', row.deletion_id)
            .returningAll()
            .execute()
          const byId = new Map(after.map((r) => [Number(r.id), r as { id: number }]))
          events.push({ action: 'restored', type: child, ids: before.map((b) => Number(b.id)) })
          for (const b of before)
            changes.push(archiveChange(child, 'restored', b, byId.get(Number(b.id)) ?? b, row.deletion_id))
        }
        return item
      })
      if (restored) return restored
      await explainMiss(db, type, actor, id, { wanted: 'archived', whenLive: 'there is nothing to restore.' })
      return fail.notFound(`Archived ${label.toLowerCase()}`, id)
    },

    /**
     * Purges an archived item now, with everything its owner holds of the child types: rows go,
     * tombstones keep only type, id and time, and the hooks (the change log's erasure first) run in the
     * same transaction.
     */
    async purge(type: ResourceType, actor: Actor, id: number): Promise<void> {
      const { table } = RESOURCES[type]
      const purged = await operation(contextOf(actor), async (tx, events, changes) => {
        const claimed = await any(tx)
          .selectFrom(table)
          .select('id')
          .where('id', '=', id)
          .where(archived(table))
          .where(ownedBy(type, actor))
          .forUpdate()
          .executeTakeFirst()
        if (!claimed) return undefined
        await purgeItems(tx, type, [{ id }], events, changes)
        return true
      })
      if (purged) return
      await explainMiss(db, type, actor, id, { wanted: 'archived', whenLive: 'archive it first.' })
      fail.notFound(`Archived ${RESOURCES[type].label.toLowerCase()}`, id)
    },

    /**
     * Purges every archived item whose `purge_at` has passed, in batches of `batchSize`, one short
     * transaction each, so the API never waits behind a long purge. Rows are claimed with
     * `FOR UPDATE SKIP LOCKED`: several instances (or `custodian purge` next to a running service) can
     * run it at once; each row is purged by exactly one of them, and none waits for the others
     * (except for the children of a claimed parent, which are locked and purged with it).
     */
    async purgeExpired(options: { batchSize: number; now?: Date }): Promise<PurgeResult> {
      const now = options.now ?? new Date()
      const purged = Object.fromEntries(RESOURCE_TYPES.map((t) => [t, 0])) as Record<ResourceType, number>
      let batches = 0
      for (const type of RESOURCE_TYPES) {
        for (;;) {
          const events = await operation(SYSTEM, async (tx, events, changes) => {
            const { rows } = await sql<{ id: number }>`
              SELECT id FROM ${sql.table(RESOURCES[type].table)}
              WHERE deleted_at IS NOT NULL AND purge_at <= ${now}
              ORDER BY purge_at, id
              LIMIT ${options.batchSize}
              FOR UPDATE SKIP LOCKED`.execute(tx)
            if (rows.length === 0) return undefined
            await purgeItems(tx, type, rows, events, changes)
            return events
          })
          if (!events?.some((e) => e.type === type)) break
          // A purged user's documents count as purged documents, whatever their own purge_at said.
          for (const event of events) purged[event.type] += event.ids.length
          batches++
        }
      }
      return { purged, batches }
    },
  }
}

export type Archive = ReturnType<typeof createArchive>
