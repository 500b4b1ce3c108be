import { createHash, randomBytes } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import type { Db } from '../../db/database.js'
import { AppError } from '../../http/problem.js'
import type { Actor, Principal } from './actor.js'
import type { Passwords } from './passwords.js'
import type { TokensRepository } from './tokens.repository.js'

/** Tokens carry a recognisable prefix (so secret scanners can find leaked ones) and 256 random bits. */
const PREFIX = 'cus_'

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')

/**
 * What signing in needs to know of accounts: the account of an email, live or archived (an archived
 * one keeps its email and password hash until purged), with its password hash.
 */
export interface Accounts {
  findForSignIn(
    db: Db,
    email: string,
  ): Promise<
    { id: number; password_hash: string; deleted_at: Date | null; purge_at: Date | null } | undefined
  >
}

/** What an instance must forget: one token, or everything about one user. */
export type Invalidation = { token: number } | { user: number }

export function createTokensService(deps: {
  db: Db
  /** Where the per-request token check runs (a pipelined connection on PostgreSQL). */
  lookups: Db
  repo: TokensRepository
  accounts: Accounts
  passwords: Pick<Passwords, 'verify' | 'verifyNothing'>
  ttlSeconds: number
  /** 0 disables the cache: every request then looks its token up in the database. */
  cacheSeconds: number
  /** Tells the other instances to forget what they cached (see `invalidated`); nothing by default. */
  broadcast?: (invalidation: Invalidation) => Promise<void>
}) {
  const { db, repo } = deps
  const broadcast = deps.broadcast ?? (async () => {})
  // Token hash → actor. Bounded in size and age. Revocations on this instance evict at once, and are
  // broadcast to the others, which evict when told (milliseconds); if the message is lost (the
  // listening connection was down), `cacheSeconds` still bounds how long a revoked token works.
  const cache =
    deps.cacheSeconds > 0
      ? new LRUCache<string, Principal>({ max: 50_000, ttl: deps.cacheSeconds * 1000 })
      : null

  // Bumped by every eviction. A lookup in flight during an eviction may have read a row that was
  // being revoked: it still answers its own request, but it is not cached.
  let generation = 0
  const evict = (match: (actor: Principal) => boolean) => {
    generation++
    if (!cache) return
    for (const [hash, actor] of cache.entries()) if (match(actor)) cache.delete(hash)
  }

  const forget = (invalidation: Invalidation) =>
    'token' in invalidation
      ? evict((a) => a.tokenId === invalidation.token)
      : evict((a) => a.id === invalidation.user)

  return {
    /**
     * Exchanges credentials for a new bearer token. Unknown email and wrong password look the same,
     * archived account included: one password verification each, one answer.
     */
    async issue(email: string, password: string) {
      const user = await deps.accounts.findForSignIn(db, email)
      const valid = user
        ? await deps.passwords.verify(user.password_hash, password)
        : await deps.passwords.verifyNothing(password)
      if (!user || !valid) {
        throw new AppError(
          'invalid_credentials',
          'The email or password is wrong.',
          {},
          { 'www-authenticate': 'Bearer realm="custodian"' },
        )
      }
      // Only whoever knows the password learns that the account is archived, and how to get it back.
      if (user.deleted_at) throw accountArchived(user)
      // A user's expired tokens go as new ones come, so the table stays bounded.
      await repo.deleteExpired(db, user.id)
      const token = PREFIX + randomBytes(32).toString('base64url')
      const expires_at = new Date(Date.now() + deps.ttlSeconds * 1000)
      await repo.insert(db, { user_id: user.id, token_hash: hashToken(token), expires_at })
      return { token, expires_at }
    },

    /** The actor a bearer token stands for, or null when it is unknown, expired or revoked. */
    async authenticate(token: string): Promise<Principal | null> {
      if (!token.startsWith(PREFIX) || token.length > 200) return null
      const hash = hashToken(token)
      const cached = cache?.get(hash)
      if (cached) return cached
      const before = generation
      const row = await repo.findActive(deps.lookups, hash)
      if (!row) return null
      const actor: Principal = { id: row.user_id, role: row.role, tokenId: row.token_id }
      // Never cached past the token's own expiry.
      const ttl = Math.min(deps.cacheSeconds * 1000, row.expires_at.getTime() - Date.now())
      if (cache && before === generation && ttl > 0) cache.set(hash, actor, { ttl })
      return actor
    },

    async revoke(actor: Actor) {
      await repo.delete(db, actor.tokenId)
      forget({ token: actor.tokenId })
      await broadcast({ token: actor.tokenId })
    },

    /** Deletes a user's tokens (all, or all but `keep`) inside the caller's transaction. */
    async revokeForUser(tx: Db, userId: number, keep?: number) {
      await repo.deleteForUser(tx, userId, keep)
    },

    /**
     * Forgets what this instance cached about a user: call it once the transaction that revoked their
     * tokens or changed their role has committed, so no lookup can cache the old row again.
     */
    async forgetUser(userId: number) {
      forget({ user: userId })
      await broadcast({ user: userId })
    },

    /** Another instance revoked a token or changed a user: forget what this one cached about it. */
    invalidated(invalidation: Invalidation) {
      forget(invalidation)
    },
  }
}

/**
 * 403, not 401: the credentials are right, so asking for them again cannot help. Users cannot restore
 * their own account (they cannot sign in); an admin can, until `purge_at`.
 */
function accountArchived(user: { id: number; deleted_at: Date | null; purge_at: Date | null }): AppError {
  const purgeAt = user.purge_at?.toISOString() ?? null
  const until = purgeAt ? ` until ${purgeAt}, when it will be erased` : ''
  return new AppError(
    'account_archived',
    `This account was deleted and is archived${until}. It cannot sign in; an administrator can restore it ` +
      `until then (POST /api/v1/users/${user.id}/deleted): ask one.`,
    { user_id: user.id, deleted_at: user.deleted_at?.toISOString() ?? null, purge_at: purgeAt },
  )
}

export type TokensService = ReturnType<typeof createTokensService>
