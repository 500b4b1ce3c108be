import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { sql } from 'kysely'
import type { DatabaseHandle } from '../../db/database.js'
import { API_PREFIX } from '../../http/urls.js'
import { authenticationPlugin } from './authentication.js'
import { passwords } from './passwords.js'
import { tokensRepository } from './tokens.repository.js'
import { tokensRoutes } from './tokens.routes.js'
import {
  type Accounts,
  createTokensService,
  type Invalidation,
  type TokensService,
} from './tokens.service.js'

const TOKENS_CHANNEL = 'custodian_tokens'

/**
 * Every instance listens on its own connection for the revocations the others broadcast, and forgets
 * what it cached. If the connection is lost, the cache's own bound (TOKEN_CACHE_SECONDS) still holds.
 */
function listenForInvalidations(
  app: FastifyInstance,
  tokens: TokensService,
  open: DatabaseHandle['session'],
) {
  let stop: (() => Promise<void>) | null = null
  app.addHook('onReady', async () => {
    try {
      const session = await open()
      const unlisten = await session.listen(TOKENS_CHANNEL, (payload) => {
        try {
          tokens.invalidated(JSON.parse(payload) as Invalidation)
        } catch (err) {
          app.log.warn({ err }, 'unreadable token invalidation')
        }
      })
      stop = async () => {
        await unlisten()
        await session.close()
      }
    } catch (err) {
      app.log.warn(
        { err },
        'cannot listen for token revocations: other instances bound them by TOKEN_CACHE_SECONDS',
      )
    }
  })
  app.addHook('onClose', async () => {
    await stop?.().catch(() => {})
  })
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Bearer tokens: issue, check, revoke, and forget what this instance cached about a user. */
    readonly tokens: TokensService
  }
}

/**
 * Token auth (DESIGN §3): bearer tokens issued for an account's email and password (`POST /tokens`,
 * `DELETE /tokens/current`), and authentication of every API route that does not say it is public.
 */
export const authPlugin = fp(
  async (
    app: FastifyInstance,
    { accounts, session }: { accounts: Accounts; session: DatabaseHandle['session'] },
  ) => {
    const { config, db } = app
    const tokens = createTokensService({
      db: app.db,
      lookups: app.lookups,
      repo: tokensRepository,
      accounts,
      passwords,
      ttlSeconds: config.tokenTtlSeconds,
      cacheSeconds: config.tokenCacheSeconds,
      // A NOTIFY reaches every instance, this one included, at once (after the caller's commit).
      // Lost, it leaves the other instances to the cache's own bound: worth a warning, not a failed request.
      broadcast: async (invalidation) => {
        await sql`SELECT pg_notify(${TOKENS_CHANNEL}, ${JSON.stringify(invalidation)})`
          .execute(db)
          .catch((err) => app.log.warn({ err }, 'token revocation not broadcast'))
      },
    })
    if (config.tokenCacheSeconds > 0) listenForInvalidations(app, tokens, session)
    app.decorate('tokens', tokens)
    await app.register(authenticationPlugin, { tokens, maxFailedLookups: config.rateLimit.credentialsMax })
    await app.register(tokensRoutes, { prefix: API_PREFIX, tokens })
  },
  { name: 'auth', dependencies: ['rate-limit'] },
)
