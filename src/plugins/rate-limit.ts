import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { AppError } from '../http/problem.js'
import { clientKey } from './client-key.js'

/** The stricter limit of the credential routes (POST /users, POST /tokens), as route config. */
export interface RouteRateLimit {
  max: number
  timeWindow: number
}

/**
 * Per-client rate limits: a client is its user when authenticated, else its IP; a request with bad
 * credentials counts against its IP. Counted in `onRequest` right after the caller is identified
 * (platform/auth) and before the body is read. Headers follow draft-ietf-httpapi-ratelimit-headers-07:
 * `RateLimit-Limit`, `-Remaining`, `-Reset` and `RateLimit-Policy`; a refusal is `429 rate_limited`
 * with `Retry-After`. With REDIS_URL the counters are shared by every instance; if Redis fails,
 * requests are served (fail open) rather than the whole API going down with the limiter.
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance) => {
    const { rateLimit: limits, redisUrl } = app.config
    // Imported on demand: without REDIS_URL (the default) the client is never loaded (issue 13).
    const redis = redisUrl
      ? new (await import('ioredis')).Redis(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 2000 })
      : null
    if (redis) app.addHook('onClose', async () => void (await redis.quit()))
    const windowSeconds = Math.ceil(limits.windowMs / 1000)
    await app.register(rateLimit, {
      global: true,
      hook: 'onRequest',
      max: limits.max,
      timeWindow: limits.windowMs,
      enableDraftSpec: true,
      skipOnError: true,
      ...(redis && { redis, nameSpace: 'custodian:rate-limit:' }),
      keyGenerator: (request) =>
        request.caller ? `user:${request.caller.id}` : `ip:${clientKey(request.ip)}`,
      // The detail names the setting, so whoever runs the service knows what to raise.
      errorResponseBuilder: (request, context) =>
        new AppError(
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
  { name: 'rate-limit' },
)

/** The route config of the credential routes: their own, stricter limit (RATE_LIMIT_CREDENTIALS_MAX). */
export const credentialsLimit = (app: FastifyInstance): RouteRateLimit => ({
  max: app.config.rateLimit.credentialsMax,
  timeWindow: app.config.rateLimit.windowMs,
})
