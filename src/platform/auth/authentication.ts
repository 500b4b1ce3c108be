import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { LRUCache } from 'lru-cache'
import { AppError, unauthorized } from '../../http/problem.js'
import { problems } from '../../http/schemas.js'
import { API_PREFIX } from '../../http/urls.js'
import { clientKey } from '../../plugins/client-key.js'
import type { Actor, Principal } from './actor.js'

/**
 * Who may call a route. Under the API prefix a route needs a token unless it says otherwise:
 * `optional` identifies a caller who sends a token and admits anonymous ones, `public` admits anyone
 * without looking at tokens. Elsewhere (health, metrics, docs) routes are public.
 */
export type RouteAuth = 'required' | 'optional' | 'public'

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller, or null: anonymous, or a route that does not authenticate. */
    caller: Actor | null
    /** The authenticated caller of a route that requires one (every API route unless marked). */
    readonly actor: Actor
    /** Why the credentials sent were refused; answered once the rate limiter has counted the request. */
    authFailure: AppError | null
  }
  interface FastifyContextConfig {
    auth?: RouteAuth
  }
}

function bearerToken(header: string): string | null {
  return /^Bearer +(\S+)\s*$/i.exec(header)?.[1] ?? null
}

/**
 * Authentication as route configuration, on by default for the API, in two steps around the rate
 * limiter. `onRequest` identifies the caller and never throws, so the limiter (next in `onRequest`)
 * counts a request by its user, and a request with bad credentials by its IP: guessing tokens is
 * rate-limited like everything else. `preParsing` then refuses bad or missing credentials, still
 * before the body is read. The route's OpenAPI entry gets its `security` and 401 response here, so
 * the document can never disagree with the code.
 */
export const authenticationPlugin = fp(
  async (
    app: FastifyInstance,
    opts: {
      tokens: { authenticate(token: string): Promise<Principal | null> }
      /** Unknown tokens an address may try per minute before its token checks stop reaching the database. */
      maxFailedLookups: number
    },
  ) => {
    app.decorateRequest('caller', null)
    app.decorateRequest('authFailure', null)
    app.decorateRequest('actor', {
      getter(this: FastifyRequest) {
        // Only a route that does not require a token can get here without one: a bug, not a client error.
        if (!this.caller)
          throw new Error(`${this.routeOptions.url} does not authenticate: read request.caller`)
        return this.caller
      },
    })

    // Unknown tokens tried per client address in the current minute. Every such check is a database
    // lookup on the connection all token checks share, so past the limit an address gets 429 at once:
    // a flood of guessed tokens cannot slow everyone else down. (In-process: a per-instance guard.)
    const failures = new LRUCache<string, number>({ max: 100_000, ttl: 60_000, noUpdateTTL: true })

    const identify = async (request: FastifyRequest) => {
      const header = request.headers.authorization
      if (!header) return
      const token = bearerToken(header)
      if (token === null) {
        request.authFailure = unauthorized(
          'The Authorization header must be "Bearer <token>".',
          'invalid_request',
        )
        return
      }
      const client = clientKey(request.ip)
      const failed = failures.get(client) ?? 0
      if (failed >= opts.maxFailedLookups) {
        request.authFailure = new AppError(
          'rate_limited',
          `Too many unknown tokens from this address: the limit is ${opts.maxFailedLookups} a minute (RATE_LIMIT_CREDENTIALS_MAX). Retry in a minute.`,
          {},
          { 'retry-after': '60' },
        )
        return
      }
      const principal = await opts.tokens.authenticate(token)
      request.caller = principal && { ...principal, requestId: request.id }
      if (!request.caller) {
        failures.set(client, failed + 1)
        request.authFailure = unauthorized(
          'The bearer token is invalid, expired or revoked.',
          'invalid_token',
        )
      }
    }

    const enforce =
      (mode: RouteAuth) =>
      (request: FastifyRequest, _reply: FastifyReply, _payload: unknown, done: (error?: Error) => void) => {
        if (request.authFailure) return done(request.authFailure)
        if (!request.caller && mode === 'required')
          return done(unauthorized('Authentication is required: send a bearer token.'))
        done()
      }

    app.addHook('onRoute', (route) => {
      const mode = route.config?.auth ?? (route.url.startsWith(`${API_PREFIX}/`) ? 'required' : 'public')
      if (mode === 'public') return
      route.onRequest = [identify, ...[route.onRequest ?? []].flat()]
      route.preParsing = [enforce(mode), ...[route.preParsing ?? []].flat()]
      route.schema = {
        ...route.schema,
        security: mode === 'required' ? [{ bearerAuth: [] }] : [{ bearerAuth: [] }, {}],
        response: { ...problems(401), ...(route.schema?.response as object) },
      }
    })
  },
  { name: 'authentication' },
)
