import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'
import ipaddr from 'ipaddr.js'
import { AppError } from '../http/problem.js'

/**
 * The rate-limit key of an anonymous client: its IPv4 address, or the /64 network of an IPv6 one
 * (a single host usually holds a whole /64 and could otherwise take a fresh address per request).
 */
export function clientKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip
  const address = ipaddr.process(ip) // IPv4-mapped IPv6 becomes IPv4
  if (address.kind() === 'ipv4') return address.toString()
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4)
  return `${parts.map((p) => p.toString(16)).join(':')}::/64`
}

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
    await app.register(rateLimit, {
      global: true,
      hook: 'onRequest',
      max: options.max,
      timeWindow: options.windowMs,
      enableDraftSpec: true,
      skipOnError: true,
      ...(options.redis && { redis: options.redis, nameSpace: 'custodian:rate-limit:' }),
      keyGenerator: (request) => (request.actor ? `user:${request.actor.id}` : `ip:${clientKey(request.ip)}`),
      errorResponseBuilder: (_request, context) =>
        new AppError(
          429,
          'rate_limited',
          `Too many requests: the limit is ${context.max}. Retry in ${context.after}.`,
        ),
    })
    const windowSeconds = Math.ceil(options.windowMs / 1000)
    app.addHook('onSend', (_request, reply, payload, done) => {
      const limit = reply.getHeader('ratelimit-limit')
      if (limit !== undefined) reply.header('ratelimit-policy', `${limit};w=${windowSeconds}`)
      done(null, payload)
    })
  },
  { name: 'rate-limit', dependencies: ['auth'] },
)
