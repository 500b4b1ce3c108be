import type { Db } from '../../db/database.js'
import { pageRequest } from '../../db/pagination.js'
import type { UserRow, UserUpdate } from '../../db/schema.js'
import type { Precondition } from '../../http/conditional.js'
import { etag } from '../../http/conditional.js'
import { AppError, fail } from '../../http/problem.js'
import type { Archive } from '../../platform/archive/archive.js'
import { type Actor, isAdmin } from '../../platform/auth/actor.js'
import type { Passwords } from '../../platform/auth/passwords.js'
import type { TokensService } from '../../platform/auth/tokens.service.js'
import { type ChangeContext, contextOf, recordChanges } from '../../platform/changes/changes.js'
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
  archive: Pick<Archive, 'archive' | 'explainMissing'>
  urls: { archive(type: 'users', id: number): string }
}) {
  const { db, repo } = deps

  /** Only admins grant roles; anyone may restate the role they already have (a GET-modify-PUT). */
  const authorizeRole = (actor: Actor | null, role: string | undefined, current: string) => {
    if (role !== undefined && role !== current && !isAdmin(actor)) fail.forbidden('Only admins may set role.')
  }

  /**
   * Tells why a guarded write touched nothing: the user is not there for this actor (404, 404
   * `archived` or 410 `gone`), or If-Match failed (412).
   */
  const explainMiss = async (actor: Actor, id: number): Promise<never> => {
    const current = await repo.findVisible(db, actor, id)
    if (!current) await deps.archive.explainMissing(db, 'users', actor, id)
    return fail.preconditionFailed(`If-Match does not match the current ETag ${etag(current?.version ?? 0)}.`)
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
      const before = await repo.lockVisible(tx, actor, id)
      if (!before) return undefined
      const row = await repo.update(tx, actor, id, changes, precondition)
      if (!row) return undefined
      // A new password ends every other session of the user; the token in use stays valid.
      if (password !== undefined)
        await deps.tokens.revokeForUser(tx, id, actor.id === id ? actor.tokenId : undefined)
      await recordChanges(tx, contextOf(actor), [
        { type: 'users', id, owner: id, action: 'updated', before, after: row },
      ])
      return row
    })
    if (!updated) return explainMiss(actor, id)
    // After the commit: a lookup racing the transaction must not cache the old tokens or role again.
    if (changes.role !== undefined || password !== undefined) deps.tokens.forgetUser(id)
    return updated
  }

  const get = async (actor: Actor, id: number): Promise<UserRow> => {
    const user = await repo.findVisible(deps.lookups, actor, id)
    if (user) return user
    await deps.archive.explainMissing(db, 'users', actor, id)
    // Live after all: created or restored between the two reads.
    return (await repo.findVisible(db, actor, id)) ?? fail.notFound('User', id)
  }

  /** Inserts a user; an email held by an archived account is a 409 that says so (and links it for admins). */
  const insertUser = async (
    actor: Actor | null,
    row: Parameters<UsersRepository['insert']>[1],
    context: ChangeContext,
  ) => {
    try {
      return await db.transaction().execute(async (tx) => {
        const user = await repo.insert(tx, row)
        await recordChanges(tx, context, [
          { type: 'users', id: user.id, owner: user.id, action: 'created', after: user },
        ])
        return user
      })
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'email_taken')) throw error
      const holder = await repo.emailHolder(db, row.email)
      if (!holder?.deleted_at) throw error
      throw new AppError(
        409,
        'email_taken',
        'This email belongs to an archived account: it stays reserved until the account is purged.',
        isAdmin(actor) ? { links: { archive: deps.urls.archive('users', holder.id) } } : {},
      )
    }
  }

  return {
    /** Sign-up (anyone, through the gate) or creation by an admin (any role, no gate). */
    async create(
      actor: Actor | null,
      body: CreateUser,
      client: { ip: string; requestId: string },
    ): Promise<UserRow> {
      authorizeRole(actor, body.role, 'user')
      const origin = isAdmin(actor) ? { country: null } : await deps.signupGate.check(client.ip)
      const context = { actorId: actor?.id ?? null, requestId: client.requestId }
      return insertUser(
        actor,
        {
          email: body.email,
          password_hash: await deps.passwords.hash(body.password),
          first_name: body.first_name,
          last_name: body.last_name,
          address: body.address ?? '',
          country: origin.country,
          role: body.role ?? 'user',
        },
        context,
      )
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

    /**
     * Archives the user (a reversible delete) with everything they own, and revokes their tokens:
     * restoring the user later does not bring the tokens back.
     */
    async archive(actor: Actor, id: number, precondition: Precondition) {
      const archived = await db.transaction().execute(async (tx) => {
        const result = await deps.archive.archive(tx, 'users', actor, id, precondition)
        if (!result) return undefined
        await deps.tokens.revokeForUser(tx, id)
        await recordChanges(tx, contextOf(actor), result.changes)
        return result
      })
      if (!archived) return explainMiss(actor, id)
      deps.tokens.forgetUser(id)
      return archived
    },
  }
}

export type UsersService = ReturnType<typeof createUsersService>
