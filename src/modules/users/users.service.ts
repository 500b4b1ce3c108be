import type { Db } from '../../db/database.js'
import { pageRequest } from '../../db/pagination.js'
import type { UserRow, UserUpdate } from '../../db/schema.js'
import type { Precondition } from '../../http/conditional.js'
import { etag } from '../../http/conditional.js'
import { fail } from '../../http/problem.js'
import { type Actor, isAdmin } from '../../platform/auth/actor.js'
import type { Passwords } from '../../platform/auth/passwords.js'
import type { TokensService } from '../../platform/auth/tokens.service.js'
import type { SignupGate } from '../../platform/geolocation/signup-gate.js'
import { type UsersRepository, userSort } from './users.repository.js'
import type { CreateUser, ListUsers, ReplaceUser, UpdateUser } from './users.schemas.js'

export function createUsersService(deps: {
  db: Db
  /** Single-row reads outside transactions (a pipelined connection on PostgreSQL). */
  lookups: Db
  repo: UsersRepository
  passwords: Pick<Passwords, 'hash'>
  tokens: Pick<TokensService, 'revokeForUser' | 'forgetUser'>
  signupGate: SignupGate
}) {
  const { db, repo } = deps

  /** Only admins grant roles; anyone may restate the role they already have (a GET-modify-PUT). */
  const authorizeRole = (actor: Actor | null, role: string | undefined, current: string) => {
    if (role !== undefined && role !== current && !isAdmin(actor)) fail.forbidden('Only admins may set role.')
  }

  /** Tells why a guarded write touched nothing: the user is not there (for this actor), or If-Match failed. */
  const explainMiss = async (actor: Actor, id: number): Promise<never> => {
    const current = (await repo.findVisible(db, actor, id)) ?? fail.notFound('User', id)
    return fail.preconditionFailed(`If-Match does not match the current ETag ${etag(current.version)}.`)
  }

  const write = async (
    actor: Actor,
    id: number,
    changes: UserUpdate,
    precondition: Precondition,
    password?: string,
  ) => {
    if (password !== undefined) changes.password_hash = await deps.passwords.hash(password)
    const updated = await db.transaction().execute(async (tx) => {
      const row = await repo.update(tx, actor, id, changes, precondition)
      // A new password ends every other session of the user; the token in use stays valid.
      if (row && password !== undefined)
        await deps.tokens.revokeForUser(tx, id, actor.id === id ? actor.tokenId : undefined)
      return row
    })
    if (!updated) return explainMiss(actor, id)
    // After the commit: a lookup racing the transaction must not cache the old tokens or role again.
    if (changes.role !== undefined || password !== undefined) deps.tokens.forgetUser(id)
    return updated
  }

  const get = async (actor: Actor, id: number): Promise<UserRow> =>
    (await repo.findVisible(deps.lookups, actor, id)) ?? fail.notFound('User', id)

  return {
    /** Sign-up (anyone, through the gate) or creation by an admin (any role, no gate). */
    async create(actor: Actor | null, body: CreateUser, client: { ip: string }): Promise<UserRow> {
      authorizeRole(actor, body.role, 'user')
      const origin = isAdmin(actor) ? { country: null } : await deps.signupGate.check(client.ip)
      return repo.insert(db, {
        email: body.email,
        password_hash: await deps.passwords.hash(body.password),
        first_name: body.first_name,
        last_name: body.last_name,
        address: body.address ?? '',
        country: origin.country,
        role: body.role ?? 'user',
      })
    },

    get,

    async list(actor: Actor, query: ListUsers) {
      const ordering = query.ordering ?? 'id'
      return repo.list(db, actor, query, pageRequest(query, ordering), userSort(ordering))
    },

    async replace(actor: Actor, id: number, body: ReplaceUser, precondition: Precondition) {
      authorizeRole(actor, body.role, actor.role)
      const { password, role, ...fields } = body
      return write(
        actor,
        id,
        { ...fields, address: fields.address ?? '', ...(role && { role }) },
        precondition,
        password,
      )
    },

    async update(actor: Actor, id: number, patch: UpdateUser, precondition: Precondition) {
      authorizeRole(actor, patch.role, actor.role)
      const { password, address, ...fields } = patch
      const changes: UserUpdate = { ...fields, ...(address !== undefined && { address: address ?? '' }) }
      if (Object.keys(changes).length === 0 && password === undefined) {
        // An empty merge patch changes nothing: answer with the item, still honouring If-Match.
        const current = await get(actor, id)
        if (Array.isArray(precondition) && !precondition.includes(current.version))
          await explainMiss(actor, id)
        return current
      }
      return write(actor, id, changes, precondition, password)
    },

    /** Removes the user and, by cascade, their tokens. (The archive replaces this with a reversible delete.) */
    async delete(actor: Actor, id: number, precondition: Precondition): Promise<void> {
      const deleted = await repo.delete(db, actor, id, precondition)
      if (!deleted) await explainMiss(actor, id)
      deps.tokens.forgetUser(id)
    },
  }
}

export type UsersService = ReturnType<typeof createUsersService>
