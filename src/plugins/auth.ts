import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { LRUCache } from 'lru-cache'
import { AppError } from '../http/problem.js'
import { problems } from '../http/schemas.js'
import type { Actor } from '../platform/auth/actor.js'
import type { TokensService } from '../platform/auth/tokens.service.js'
import { clientKey } from './client-key.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller, or null (anonymous on routes where auth is optional). */
    actor: Actor | null
    /** Why the credentials sent were refused; answered once the rate limiter has counted the request. */
    authFailure: AppError | null
  }
  interface FastifyContextConfig {
    /** `required`: 401 without a valid token. `optional`: anonymous allowed, a bad token is still 401. */
    auth?: 'required' | 'optional'
  }
}

const CHALLENGE = 'Bearer realm="custodian"'

function bearerToken(header: string): string | null {
  return /^Bearer +(\S+)\s*$/i.exec(header)?.[1] ?? null
}

/**
 * Authentication as route configuration: `config: { auth: 'required' }`, in two steps around the rate
 * limiter. `onRequest` identifies the caller and never throws, so the limiter (next in `onRequest`)
 * counts a request by its user, and a request with bad credentials by its IP: guessing tokens is
 * rate-limited like everything else. `preParsing` then refuses bad or missing credentials, still
 * before the body is read. The route's OpenAPI entry gets its `security` and 401 response here, so
 * the document can never disagree with the code.
 */
export const authPlugin = fp(
  async (
    app: FastifyInstance,
    opts: {
      tokens: Pick<TokensService, 'authenticate'>
      /** Unknown tokens an address may try per minute before its token checks stop reaching the database. */
      maxFailedLookups: number
    },
  ) => {
    app.decorateRequest('actor', null)
    app.decorateRequest('authFailure', null)

    // Unknown tokens tried per client address in the current minute. Every such check is a database
    // lookup on the connection all token checks share, so past the limit an address gets 429 at once:
    // a flood of guessed tokens cannot slow everyone else down. (In-process: a per-instance guard.)
    const failures = new LRUCache<string, number>({ max: 100_000, ttl: 60_000, noUpdateTTL: true })

    const identify = async (request: FastifyRequest) => {
      const header = request.headers.authorization
      if (!header) return
      const token = bearerToken(header)
      if (token === null) {
        request.authFailure = new AppError(
          401,
          'unauthorized',
          'The Authorization header must be "Bearer <token>".',
          {},
          {
            'www-authenticate': `${CHALLENGE}, error="invalid_request"`,
          },
        )
        return
      }
      const client = clientKey(request.ip)
      const failed = failures.get(client) ?? 0
      if (failed >= opts.maxFailedLookups) {
        request.authFailure = new AppError(
          429,
          'rate_limited',
          `Too many unknown tokens from this address: the limit is ${opts.maxFailedLookups} a minute (RATE_LIMIT_CREDENTIALS_MAX). Retry in a minute.`,
          {},
          { 'retry-after': '60' },
        )
        return
      }
      const principal = await opts.tokens.authenticate(token)
      request.actor = principal && { ...principal, requestId: request.id }
      if (!request.actor) {
        failures.set(client, failed + 1)
        request.authFailure = new AppError(
          401,
          'unauthorized',
          'The bearer token is invalid, expired or revoked.',
          {},
          {
            'www-authenticate': `${CHALLENGE}, error="invalid_token"`,
          },
        )
      }
    }

    const enforce =
      (mode: 'required' | 'optional') =>
      (request: FastifyRequest, _reply: FastifyReply, _payload: unknown, done: (error?: Error) => void) => {
        if (request.authFailure) return done(request.authFailure)
        if (!request.actor && mode === 'required') {
          return done(
            new AppError(
              401,
              'unauthorized',
              'Authentication is required: send a bearer token.',
              {},
              {
                'www-authenticate': CHALLENGE,
              },
            ),
          )
        }
        done()
      }

    app.addHook('onRoute', (route) => {
      const mode = route.config?.auth
      if (!mode) return
      route.onRequest = [identify, ...[route.onRequest ?? []].flat()]
      route.preParsing = [enforce(mode), ...[route.preParsing ?? []].flat()]
      route.schema = {
        ...route.schema,
        security: mode === 'required' ? [{ bearerAuth: [] }] : [{ bearerAuth: [] }, {}],
        response: { ...problems(401), ...(route.schema?.response as object) },
      }
    })
  },
  { name: 'auth' },
)
