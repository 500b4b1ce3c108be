import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import helmet from 'helmet'

/**
 * Security headers from helmet, for a JSON API: nothing may be framed, scripted or embedded, and
 * responses are never sniffed. (Swagger UI at /docs sets its own, looser CSP on its pages.)
 *
 * helmet is used directly rather than through @fastify/helmet, which rebuilds the whole middleware,
 * CSP parsing included, on every request; the benchmark showed it as a visible share of a request.
 */
export const securityHeadersPlugin = fp(
  async (app: FastifyInstance) => {
    const secure = helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
      },
      frameguard: { action: 'deny' },
      crossOriginEmbedderPolicy: false,
      originAgentCluster: false,
      xDnsPrefetchControl: false,
      xDownloadOptions: false,
      xPermittedCrossDomainPolicies: false,
      xXssProtection: false,
    })
    app.addHook('onRequest', (request, reply, done) => {
      secure(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined))
    })
  },
  { name: 'security-headers' },
)
