import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Db } from '../../db/database.js'
import { fetchPage, type PageRequest, type Sort } from '../../db/pagination.js'
import { prepared } from '../../db/prepared.js'
import type { Precondition } from '../../http/conditional.js'
import { type Actor, ROLES, type Role } from '../auth/actor.js'
import type { DeclaredList, ListFilters } from './lists.js'
import { changed, reachable, versionIs } from './queries.js'
import { RESOURCES, type ResourceType } from './registry.js'

// Tables differ per declaration, so queries here are built on an untyped view of the same Kysely.
const any = (db: Db) => db as unknown as Kysely<Record<string, { [column: string]: unknown }>>

/**
 * The repository of an owned resource whose rows are what the API shows, with nothing joined (every
 * resource but users, with their unique email, and documents, with their aliases): insert, read one,
 * lock one, the guarded update, and a page of a declared list. Every query names its archive state
 * and its owner condition (`reachable`, or the list's `where`).
 */
export function ownedRows<Row extends { id: number; version: number }, New extends object>(
  type: ResourceType,
) {
  const { table } = RESOURCES[type]

  // Compiled once per role (see `prepared`): every read of one item runs it.
  const findVisible = Object.fromEntries(
    ROLES.map((role) => [
      role,
      prepared(['id', 'actorId'], (db, p) =>
        any(db)
          .selectFrom(table)
          .selectAll()
          .where(reachable(type, { id: p.actorId, role }, p.id)),
      ),
    ]),
  ) as unknown as Record<Role, (db: Db, params: { id: number; actorId: number }) => Promise<Row[]>>

  return {
    async insert(tx: Db, row: New): Promise<Row> {
      return (await any(tx).insertInto(table).values(row).returningAll().executeTakeFirstOrThrow()) as Row
    },

    /** One live item, if the actor may see it. */
    async findVisible(db: Db, actor: Actor, id: number): Promise<Row | undefined> {
      const [row] = await findVisible[actor.role](db, { id, actorId: actor.id })
      return row
    },

    /** A live item the actor may see, locked until the transaction ends: a write's "before". */
    async lock(tx: Db, actor: Actor, id: number): Promise<Row | undefined> {
      return (await any(tx)
        .selectFrom(table)
        .selectAll()
        .where(reachable(type, actor, id))
        .forUpdate()
        .executeTakeFirst()) as Row | undefined
    },

    /**
     * The guarded update of a live item the actor may change: nothing is updated (undefined) unless
     * If-Match allows it, and `guard` (a move's `statusIs`) holds. Bumps the version when something
     * changes.
     */
    async update(
      tx: Db,
      actor: Actor,
      id: number,
      changes: Record<string, unknown>,
      precondition: Precondition,
      guard: RawBuilder<boolean> = sql<boolean>`true`,
    ): Promise<Row | undefined> {
      return (await any(tx)
        .updateTable(table)
        .set(changed(changes))
        .where(reachable(type, actor, id))
        .where(versionIs(table, precondition))
        .where(guard)
        .returningAll()
        .executeTakeFirst()) as Row | undefined
    },

    /** One page of a declared list, for the actor. */
    async list(
      db: Db,
      actor: Actor,
      list: DeclaredList<Row>,
      filters: ListFilters,
      page: PageRequest,
      sort: Sort<Row>,
    ) {
      return fetchPage<Row>(
        db,
        list.where(any(db).selectFrom(table).selectAll(), actor, filters) as never,
        page,
        sort,
        `${table}.id`,
      )
    },
  }
}

export type OwnedRows<Row extends { id: number; version: number }, New extends object> = ReturnType<
  typeof ownedRows<Row, New>
>
