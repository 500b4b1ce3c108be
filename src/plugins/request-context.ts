import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

/**
 * Echoes the request id on every response (errors included) and writes exactly one log line per
 * request: id, method, route, status, latency and user. No headers, bodies or query strings are logged,
 * so no password, token or search term can reach the log.
 */
export const requestContextPlugin = fp(
  async (app: FastifyInstance) => {
    // Callback-style hooks: they run on every request, and need no promise.
    app.addHook('onRequest', (request, reply, done) => {
      reply.header('x-request-id', request.id)
      done()
    })
    app.addHook('onResponse', (request, reply, done) => {
      logRequest(request, reply)
      done()
    })
  },
  { name: 'request-context' },
)

function logRequest(request: FastifyRequest, reply: FastifyReply) {
  request.log.info(
    {
      method: request.method,
      route: request.routeOptions.url ?? null,
      path: request.url.split('?')[0],
      status: reply.statusCode,
      latency_ms: Math.round(reply.elapsedTime * 100) / 100,
      user_id: request.caller?.id ?? null,
    },
    'request',
  )
}
