import { sql } from 'kysely'
import type { Db } from '../../db/database.js'
import { violatedUniqueConstraint } from '../../db/database.js'
import {
  fetchPage,
  type PageRequest,
  type Sort,
  type SortKey,
  sortFor,
  timestampKey,
} from '../../db/pagination.js'
import { prepared } from '../../db/prepared.js'
import type { NewUserRow, UserRow, UserUpdate } from '../../db/schema.js'
import type { Precondition } from '../../http/conditional.js'
import { fail } from '../../http/problem.js'
import { type Actor, ROLES, type Role } from '../../platform/auth/actor.js'
import { changed, live, ownedBy, reachable, writable } from '../../platform/resources/queries.js'
import { likePattern } from '../../platform/resources/search.js'
import type { ListUsers } from './users.schemas.js'

const findVisible = Object.fromEntries(
  ROLES.map((role) => [
    role,
    prepared(['id', 'actorId'], (db, p) =>
      db
        .selectFrom('users')
        .selectAll()
        .where(reachable('users', { id: p.actorId, role }, p.id)),
    ),
  ]),
) as Record<Role, (db: Db, params: { id: number; actorId: number }) => Promise<UserRow[]>>

const translateUniqueViolation = (error: unknown): never => {
  if (violatedUniqueConstraint(error) === 'users_email_key') {
    fail.conflict('email_taken', 'A user with this email already exists.')
  }
  throw error
}

const SORTS: Record<string, SortKey<UserRow>> = {
  id: { expression: null, value: (u) => u.id },
  last_name: { expression: sql`users.last_name`, value: (u) => u.last_name },
  email: { expression: sql`lower(users.email)`, value: (u) => u.email.toLowerCase() },
  created_at: timestampKey(sql`users.created_at`, (u) => u.created_at),
}

export const userSort = (ordering: string) => sortFor(SORTS, ordering)

export const usersRepository = {
  async insert(db: Db, row: NewUserRow): Promise<UserRow> {
    return db
      .insertInto('users')
      .values(row)
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(translateUniqueViolation)
  },

  /** One user, if the actor may see it. Prepared: every authenticated read of a user runs it. */
  async findVisible(db: Db, actor: Actor, id: number): Promise<UserRow | undefined> {
    const [row] = await findVisible[actor.role](db, { id, actorId: actor.id })
    return row
  },

  /**
   * The account an email signs in to, live or archived: an archived user keeps email and password hash
   * until purged, so sign-in can tell its owner that the account is archived (see tokens.service).
   */
  async findForSignIn(db: Db, email: string): Promise<UserRow | undefined> {
    return db
      .selectFrom('users')
      .selectAll()
      .where(sql`lower(email)`, '=', email.toLowerCase())
      .executeTakeFirst()
  },

  /** Whoever holds an email, live or archived: archived users keep their email reserved. */
  async emailHolder(db: Db, email: string) {
    return db
      .selectFrom('users')
      .select(['id', 'deleted_at'])
      .where(sql`lower(email)`, '=', email.toLowerCase())
      .executeTakeFirst()
  },

  /** A live user the actor may see, locked until the transaction ends: the state before a change. */
  async lock(tx: Db, actor: Actor, id: number): Promise<UserRow | undefined> {
    return tx
      .selectFrom('users')
      .selectAll()
      .where(reachable('users', actor, id))
      .forUpdate()
      .executeTakeFirst()
  },

  async list(db: Db, actor: Actor, filters: ListUsers, page: PageRequest, sort: Sort<UserRow>) {
    let q = db.selectFrom('users').selectAll().where(live('users')).where(ownedBy('users', actor))
    if (filters.first_name !== undefined) q = q.where('first_name', '=', filters.first_name)
    if (filters.last_name !== undefined) q = q.where('last_name', '=', filters.last_name)
    if (filters.email !== undefined) q = q.where(sql`lower(email)`, '=', filters.email.toLowerCase())
    if (filters.country !== undefined) q = q.where('country', '=', filters.country)
    if (filters.since_id !== undefined) q = q.where('id', '>', filters.since_id)
    if (filters.max_id !== undefined) q = q.where('id', '<', filters.max_id)
    if (filters.created_after !== undefined) q = q.where('created_at', '>', new Date(filters.created_after))
    if (filters.created_before !== undefined) q = q.where('created_at', '<', new Date(filters.created_before))
    if (filters.search !== undefined) {
      const pattern = likePattern(filters.search)
      q = q.where((eb) =>
        eb.or([eb(sql`lower(last_name)`, 'like', pattern), eb(sql`lower(email)`, 'like', pattern)]),
      )
    }
    return fetchPage(db, q, page, sort, 'users.id')
  },

  /**
   * The guarded update of a live user the actor may change: nothing is updated (undefined) unless
   * If-Match allows it. Bumps the version (the ETag) when something changes.
   */
  async update(tx: Db, actor: Actor, id: number, changes: UserUpdate, precondition: Precondition) {
    return tx
      .updateTable('users')
      .set(changed(changes))
      .where(writable('users', actor, id, precondition))
      .returningAll()
      .executeTakeFirst()
      .catch(translateUniqueViolation)
  },

  async adminExists(db: Db): Promise<boolean> {
    const row = await db
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .where(live('users'))
      .limit(1)
      .executeTakeFirst()
    return row !== undefined
  },
}

export type UsersRepository = typeof usersRepository
