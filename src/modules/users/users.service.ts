import type { Db } from '../../db/database.js'
import type { UserRow, UserUpdate } from '../../db/schema.js'
import type { Precondition } from '../../http/conditional.js'
import { type Counting, pageRequest } from '../../http/pagination.js'
import { AppError, fail } from '../../http/problem.js'
import type { Urls } from '../../http/urls.js'
import type { ArchiveHook } from '../../platform/archive/archive.js'
import { type Actor, type IdempotencyClaim, isAdmin } from '../../platform/auth/actor.js'
import type { Passwords } from '../../platform/auth/passwords.js'
import type { TokensService } from '../../platform/auth/tokens.service.js'
import type { SignupGate } from '../../platform/geolocation/signup-gate.js'
import type { Items } from '../../platform/resources/items.js'
import { type UsersRepository, userSort } from './users.repository.js'
import type { CreateUser, ListUsers, ReplaceUser, UpdateUser } from './users.schemas.js'

export function createUsersService(deps: {
  db: Db
  items: Pick<Items, 'read' | 'create' | 'write'>
  repo: UsersRepository
  passwords: Pick<Passwords, 'hash'>
  tokens: Pick<TokensService, 'revokeForUser' | 'forgetUser'>
  signupGate: SignupGate
  urls: Pick<Urls, 'archived'>
}) {
  const { db, items, repo, tokens } = deps

  /** Only admins grant roles; anyone may restate the role they already have (a GET-modify-PUT). */
  const authorizeRole = (actor: Actor | null, role: string | undefined, current: string) => {
    if (role !== undefined && role !== current && !isAdmin(actor)) fail.forbidden('Only admins may set role.')
  }

  const write = async (
    actor: Actor,
    id: number,
    changes: UserUpdate,
    precondition: Precondition,
    password?: string,
  ) => {
    if (password !== undefined) changes.password_hash = await deps.passwords.hash(password)
    const updated = await items.write('users', actor, id, precondition, {
      lock: (tx) => repo.lock(tx, actor, id),
      apply: (tx) => repo.update(tx, actor, id, changes, precondition),
      // A new password ends every other session of the user; the token in use stays valid.
      effects: async (tx) => {
        if (password !== undefined)
          await tokens.revokeForUser(tx, id, actor.id === id ? actor.tokenId : undefined)
      },
    })
    // After the commit: a lookup racing the transaction must not cache the old tokens or role again.
    if (changes.role !== undefined || password !== undefined) await tokens.forgetUser(id)
    return updated
  }

  return {
    /**
     * Sign-up (anyone, through the gate) or creation by an admin (any role, no gate). An email held
     * by an archived account is a 409 that says so, linking the archive entry for admins.
     */
    async create(
      actor: Actor | null,
      body: CreateUser,
      client: { ip: string; requestId: string; idempotencyKey: IdempotencyClaim | null },
    ) {
      authorizeRole(actor, body.role, 'user')
      const origin = isAdmin(actor) ? { country: null } : await deps.signupGate.check(client.ip)
      const row = {
        email: body.email,
        password_hash: await deps.passwords.hash(body.password),
        first_name: body.first_name,
        last_name: body.last_name,
        address: body.address ?? '',
        country: origin.country,
        role: body.role ?? 'user',
      }
      const context = {
        actorId: actor?.id ?? null,
        requestId: client.requestId,
        idempotencyKey: client.idempotencyKey,
      }
      try {
        return await items.create('users', context, (tx) => repo.insert(tx, row))
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'email_taken')) throw error
        const holder = await repo.emailHolder(db, row.email)
        if (!holder?.deleted_at) throw error
        return fail.conflict(
          'email_taken',
          'This email belongs to an archived account: it stays reserved until the account is purged.',
          isAdmin(actor) ? { links: { archive: deps.urls.archived('users', holder.id) } } : {},
        )
      }
    },

    get: (actor: Actor, id: number): Promise<UserRow> =>
      items.read('users', actor, id, (db) => repo.findVisible(db, actor, id)),

    async list(actor: Actor, query: ListUsers & Counting) {
      const sort = userSort(query.ordering ?? 'id')
      return repo.list(db, actor, query, pageRequest(query, sort), sort)
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

    /** A merge patch: absent fields are unchanged; an empty one changes nothing but honours If-Match. */
    async update(actor: Actor, id: number, patch: UpdateUser, precondition: Precondition) {
      authorizeRole(actor, patch.role, actor.role)
      const { password, address, ...fields } = patch
      const changes: UserUpdate = { ...fields, ...(address !== undefined && { address: address ?? '' }) }
      return write(actor, id, changes, precondition, password)
    },
  }
}

export type UsersService = ReturnType<typeof createUsersService>

/**
 * Archiving a user ends their sessions: their tokens are deleted in the same transaction (a restore
 * does not bring them back; a purge deletes them with the row), and once it has committed, this
 * instance forgets what it cached about them.
 */
export function revokeTokensOnArchive(
  tokens: Pick<TokensService, 'revokeForUser' | 'forgetUser'>,
): ArchiveHook {
  return {
    async during(tx, event) {
      if (event.type !== 'users' || event.action !== 'deleted') return
      for (const id of event.ids) await tokens.revokeForUser(tx, id)
    },
    async after(event) {
      if (event.type !== 'users' || event.action === 'restored') return
      for (const id of event.ids) await tokens.forgetUser(id)
    },
  }
}
