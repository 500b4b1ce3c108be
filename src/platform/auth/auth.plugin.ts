import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { API_PREFIX } from '../../http/urls.js'
import { authenticationPlugin } from './authentication.js'
import { passwords } from './passwords.js'
import { tokensRepository } from './tokens.repository.js'
import { tokensRoutes } from './tokens.routes.js'
import { type Accounts, createTokensService, type TokensService } from './tokens.service.js'

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
  async (app: FastifyInstance, { accounts }: { accounts: Accounts }) => {
    const { config } = app
    const tokens = createTokensService({
      db: app.db,
      lookups: app.lookups,
      repo: tokensRepository,
      accounts,
      passwords,
      ttlSeconds: config.tokenTtlSeconds,
      cacheSeconds: config.tokenCacheSeconds,
    })
    app.decorate('tokens', tokens)
    await app.register(authenticationPlugin, { tokens, maxFailedLookups: config.rateLimit.credentialsMax })
    await app.register(tokensRoutes, { prefix: API_PREFIX, tokens })
  },
  { name: 'auth', dependencies: ['rate-limit'] },
)
