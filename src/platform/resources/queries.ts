import { type RawBuilder, sql } from 'kysely'
import type { Precondition } from '../../http/conditional.js'
import type { Actor } from '../auth/actor.js'
import { RESOURCES, type ResourceTable, type ResourceType } from './registry.js'

/**
 * The expressions every query of an owned resource is built from. Nothing relies on a hidden default
 * scope: each query names its archive state and its owner condition.
 */

/** The "not archived" condition of every live query: `.where(live('users'))`. */
export const live = (table: ResourceTable): RawBuilder<boolean> =>
  sql<boolean>`${sql.ref(`${table}.deleted_at`)} IS NULL`

/** The archive's condition: the row is archived (and not yet purged, or it would not be there). */
export const archived = (table: ResourceTable): RawBuilder<boolean> =>
  sql<boolean>`${sql.ref(`${table}.deleted_at`)} IS NOT NULL`

/**
 * Ownership lives in the query: a user reaches the rows they own, an admin every row. The actor's id
 * may be a prepared statement's parameter (see `prepared`).
 */
export function ownedBy(type: ResourceType, actor: Pick<Actor, 'id' | 'role'>): RawBuilder<boolean> {
  const { table, owner } = RESOURCES[type]
  return actor.role === 'admin'
    ? sql<boolean>`true`
    : sql<boolean>`${sql.ref(`${table}.${owner}`)} = ${actor.id}`
}

/** The same rule for a row already read: may the actor reach what this user owns? */
export const owns = (actor: Pick<Actor, 'id' | 'role'>, ownerId: number): boolean =>
  actor.role === 'admin' || Number(ownerId) === actor.id

/** Item `id` of `type`, live, if the actor may reach it: what every read or write of one item names. */
export function reachable(
  type: ResourceType,
  actor: Pick<Actor, 'id' | 'role'>,
  id: number,
): RawBuilder<boolean> {
  const { table } = RESOURCES[type]
  return sql<boolean>`${sql.ref(`${table}.id`)} = ${id} AND ${live(table)} AND ${ownedBy(type, actor)}`
}

/**
 * The `If-Match` condition of a write, in the guarded UPDATE itself, so check and write are one atomic
 * statement. The versions are compared as bigint: a tag naming a version no row can have never
 * overflows into an error, it simply does not match (412). An empty list never matches.
 */
export function versionIs(table: ResourceTable, precondition: Precondition): RawBuilder<boolean> {
  if (precondition === null || precondition === 'any') return sql<boolean>`true`
  return sql<boolean>`${sql.ref(`${table}.version`)} = ANY(${sql.val(precondition)}::bigint[])`
}

/** The WHERE of a guarded write: item `id`, live, reachable by the actor, at a version If-Match allows. */
export const writable = (
  type: ResourceType,
  actor: Pick<Actor, 'id' | 'role'>,
  id: number,
  precondition: Precondition,
): RawBuilder<boolean> =>
  sql<boolean>`${reachable(type, actor, id)} AND ${versionIs(RESOURCES[type].table, precondition)}`

/**
 * The SET of a guarded update: the changes, a new version (the ETag) and `updated_at`. Nothing to
 * change still runs the guarded UPDATE, so an empty merge patch honours If-Match, but keeps the version;
 * `touch` is a change kept in another table (a document's aliases): a new version, no column changed.
 */
export function changed<T extends object>(changes: T | 'touch') {
  if (changes !== 'touch' && Object.keys(changes).length === 0) return { version: sql<number>`version` }
  return {
    ...(changes === 'touch' ? {} : changes),
    version: sql<number>`version + 1`,
    updated_at: sql<Date>`now()`,
  }
}
