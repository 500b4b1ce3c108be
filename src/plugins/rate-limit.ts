import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'
import { AppError } from '../http/problem.js'
import { clientKey } from './client-key.js'

export interface RateLimitOptions {
  /** Requests per window for each client on most routes. */
  max: number
  /** Requests per window for each client on the credential routes (sign-up and sign-in). */
  credentialsMax: number
  windowMs: number
  /** Shared counters for every instance; null keeps them in this process. */
  redis: Redis | null
}

/** The stricter limit of the credential routes (POST /users, POST /tokens), as route config. */
export interface RouteRateLimit {
  max: number
  timeWindow: number
}

/**
 * Per-client rate limits: a client is its user when authenticated, else its IP; a request with bad
 * credentials counts against its IP. Counted in `onRequest` right after the caller is identified
 * (plugins/auth.ts) and before the body is read. Headers follow draft-ietf-httpapi-ratelimit-headers-07:
 * `RateLimit-Limit`, `-Remaining`, `-Reset` and `RateLimit-Policy`; a refusal is `429 rate_limited`
 * with `Retry-After`. If Redis fails, requests are served (fail open) rather than the whole API going
 * down with the limiter.
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, options: RateLimitOptions) => {
    const windowSeconds = Math.ceil(options.windowMs / 1000)
    await app.register(rateLimit, {
      global: true,
      hook: 'onRequest',
      max: options.max,
      timeWindow: options.windowMs,
      enableDraftSpec: true,
      skipOnError: true,
      ...(options.redis && { redis: options.redis, nameSpace: 'custodian:rate-limit:' }),
      keyGenerator: (request) => (request.actor ? `user:${request.actor.id}` : `ip:${clientKey(request.ip)}`),
      // The detail names the setting, so whoever runs the service knows what to raise.
      errorResponseBuilder: (request, context) =>
        new AppError(
          429,
          'rate_limited',
          `Too many requests: the limit is ${context.max} per ${windowSeconds} s for each client ` +
            `(${request.routeOptions.config.rateLimit ? 'RATE_LIMIT_CREDENTIALS_MAX' : 'RATE_LIMIT_MAX'}, ` +
            `RATE_LIMIT_WINDOW_SECONDS). Retry in ${context.after}.`,
        ),
    })
    app.addHook('onSend', (_request, reply, payload, done) => {
      const limit = reply.getHeader('ratelimit-limit')
      if (limit !== undefined) reply.header('ratelimit-policy', `${limit};w=${windowSeconds}`)
      done(null, payload)
    })
  },
  { name: 'rate-limit', dependencies: ['auth'] },
)
