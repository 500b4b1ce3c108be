import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { fail } from '../http/problem.js'
import { problems } from '../http/schemas.js'
import type { Actor } from '../platform/auth/actor.js'
import type { TokensService } from '../platform/auth/tokens.service.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller, or null (anonymous on routes where auth is optional). */
    actor: Actor | null
  }
  interface FastifyContextConfig {
    /** `required`: 401 without a valid token. `optional`: anonymous allowed, a bad token is still 401. */
    auth?: 'required' | 'optional'
  }
}

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization
  if (!header) return null
  const token = /^Bearer +(\S+)\s*$/i.exec(header)?.[1]
  return (
    token ??
    fail.unauthorized('The Authorization header must be "Bearer <token>".', 'Bearer error="invalid_request"')
  )
}

/**
 * Authentication as route configuration: `config: { auth: 'required' }`. The check runs in `onRequest`,
 * before the body is read, and the route's OpenAPI entry gets its `security` and 401 response here,
 * so the document can never disagree with the code.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, opts: { tokens: Pick<TokensService, 'authenticate'> }) => {
    app.decorateRequest('actor', null)

    const authenticate = async (request: FastifyRequest) => {
      const mode = request.routeOptions.config.auth
      const token = bearerToken(request)
      if (token === null) {
        if (mode === 'required') fail.unauthorized('Authentication is required: send a bearer token.')
        return
      }
      request.actor =
        (await opts.tokens.authenticate(token)) ??
        fail.unauthorized('The bearer token is invalid, expired or revoked.', 'Bearer error="invalid_token"')
    }

    app.addHook('onRoute', (route) => {
      const mode = route.config?.auth
      if (!mode) return
      route.onRequest = [authenticate, ...[route.onRequest ?? []].flat()]
      route.schema = {
        ...route.schema,
        security: mode === 'required' ? [{ bearerAuth: [] }] : [{ bearerAuth: [] }, {}],
        response: { ...problems(401), ...(route.schema?.response as object) },
      }
    })
  },
  { name: 'auth' },
)
