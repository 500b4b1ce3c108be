import type { Db } from '../../db/database.js'
import { etag, type Precondition, satisfies } from '../../http/conditional.js'
import { fail } from '../../http/problem.js'
import type { Urls } from '../../http/urls.js'
import type { Actor } from '../auth/actor.js'
import { type ChangeContext, contextOf, recordChanges } from '../changes/changes.js'
import { live, owns } from './queries.js'
import { ownerOf, RESOURCES, type ResourceType } from './registry.js'

/** What a request needed an item to be: live (the live URLs) or archived (the archive's URLs). */
export type Wanted = 'live' | 'archived'

interface Row {
  id: number
  version: number
}

/**
 * Reading, creating and changing one owned item, the same way for every resource: reads go to the
 * lookup connection, every write is one transaction that records its change as its last statement, and
 * a miss is explained the one way (404, 404 `archived`, 410 `gone`, 412, 409).
 */
export function createItems(deps: { db: Db; lookups: Db; urls: Pick<Urls, 'archived'> }) {
  const { db } = deps

  /** What an id is, as this actor may know it. */
  async function stateOf(db: Db, type: ResourceType, actor: Actor, id: number) {
    const { table, owner } = RESOURCES[type]
    const row = await db
      .selectFrom(table)
      .select((eb) => [
        eb.ref('deleted_at').as('deleted_at'),
        eb.ref('version').as('version'),
        eb.ref(owner as 'id').as('owner'),
      ])
      .where('id', '=', id)
      .executeTakeFirst()
    if (row) {
      const visible = owns(actor, row.owner)
      return { state: row.deleted_at ? 'archived' : 'live', visible, version: row.version } as const
    }
    const tombstone = await db
      .selectFrom('tombstones')
      .select('purged_at')
      .where('resource_type', '=', type)
      .where('resource_id', '=', id)
      .executeTakeFirst()
    return { state: tombstone ? 'purged' : 'missing', visible: false, version: null } as const
  }

  /**
   * Why item `id` of `type` is not what the request needed, as this actor may know it: 410 `gone` once
   * purged; 404 `archived` (with the archive link, for those who may see it) where a live item was
   * needed; 409 where an archived one was and the item is live (`whenLive` says what to do); 412 with
   * the current ETag when the item is there but `precondition` names another version; else a plain
   * 404 that tells nothing about other users' items. Returns quietly when the item is, after all, what
   * was needed (created or restored between two reads): the caller reads it again.
   */
  async function explainMiss(
    db: Db,
    type: ResourceType,
    actor: Actor,
    id: number,
    options: { wanted?: Wanted; precondition?: Precondition; whenLive?: string } = {},
  ): Promise<void> {
    const { wanted = 'live', precondition = null, whenLive } = options
    const { state, visible, version } = await stateOf(db, type, actor, id)
    const label = RESOURCES[type].label
    if (state === 'purged') fail.with('gone', `${label} ${id} was purged.`)
    if (!visible) fail.notFound(wanted === 'live' ? label : `Archived ${label.toLowerCase()}`, id)
    if (wanted === 'live' && state === 'archived') {
      fail.with('archived', `${label} ${id} is archived; it can be restored from the archive.`, {
        links: { archive: deps.urls.archived(type, id) },
      })
    }
    if (wanted === 'archived' && state === 'live') {
      if (whenLive) fail.conflict('conflict', `${label} ${id} is live: ${whenLive}`)
      fail.notFound(`Archived ${label.toLowerCase()}`, id)
    }
    if (version !== null && !satisfies(precondition, version))
      fail.with('precondition_failed', `If-Match does not match the current ETag ${etag(version)}.`)
  }

  return {
    explainMiss,

    /** One live item the actor may see: `find` on the lookup connection, the miss explained. */
    async read<R>(type: ResourceType, actor: Actor, id: number, find: (db: Db) => Promise<R | undefined>) {
      const found = await find(deps.lookups)
      if (found) return found
      await explainMiss(db, type, actor, id)
      return (await find(db)) ?? fail.notFound(RESOURCES[type].label, id)
    },

    /**
     * Inserts an item and records its creation, in one transaction. An item of a child type belongs to
     * the actor, whose row is locked first, as every write locks a parent before its child: a delete
     * of the owner running now either waits for this item (and archives it too) or has archived the
     * owner, and then nothing is created (401: the account is archived).
     */
    async create<R extends Row>(
      type: ResourceType,
      context: ChangeContext,
      insert: (tx: Db) => Promise<R>,
      effects?: (tx: Db, row: R) => Promise<void>,
    ) {
      const { parent, label } = RESOURCES[type]
      return db.transaction().execute(async (tx) => {
        if (parent !== null) {
          const owner = await tx
            .selectFrom(RESOURCES[parent].table)
            .select('id')
            .where('id', '=', context.actorId ?? 0)
            .where(live(RESOURCES[parent].table))
            .forShare()
            .executeTakeFirst()
          if (!owner) fail.unauthorized(`This account is archived: it cannot create ${label.toLowerCase()}s.`)
        }
        const row = await insert(tx)
        await effects?.(tx, row)
        await recordChanges(tx, context, [
          {
            type,
            id: row.id,
            owner: ownerOf(type, row as unknown as Record<string, unknown>),
            action: 'created',
            after: row,
          },
        ])
        return row
      })
    },

    /**
     * Changes one live item in one transaction: `lock` reads it FOR UPDATE (the change's "before",
     * and no-one else's to change meanwhile), `apply` runs the guarded UPDATE (`versionIs` and any
     * condition of its own, such as a status), `effects` adds what else the change does, and the
     * change is recorded last. A guarded update that matched nothing is explained (404, 404 archived,
     * 410, 412); one that changed nothing (same version) is not recorded.
     */
    async write<R extends Row>(
      type: ResourceType,
      actor: Actor,
      id: number,
      precondition: Precondition,
      steps: {
        lock(tx: Db): Promise<R | undefined>
        apply(tx: Db, before: R): Promise<R | undefined>
        effects?(tx: Db, before: R, after: R): Promise<void>
        action?: 'updated' | 'status_changed'
      },
    ): Promise<R> {
      const written = await db.transaction().execute(async (tx) => {
        const before = await steps.lock(tx)
        const after = before && (await steps.apply(tx, before))
        if (!before || !after) return undefined
        if (after.version === before.version) return after
        await steps.effects?.(tx, before, after)
        const action = steps.action ?? 'updated'
        await recordChanges(tx, contextOf(actor), [
          {
            type,
            id,
            owner: ownerOf(type, after as unknown as Record<string, unknown>),
            action,
            before,
            after,
          },
        ])
        return after
      })
      if (written) return written
      await explainMiss(db, type, actor, id, { precondition })
      // There after all (restored while this write looked): the client may retry.
      return fail.notFound(RESOURCES[type].label, id)
    },
  }
}

export type Items = ReturnType<typeof createItems>
