import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

export const API_VERSION = '1.0.0'

/** The OpenAPI 3.1 document, generated from the route schemas: at /docs/json, with Swagger UI at /docs. */
export const openApiPlugin = fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Custodian',
          version: API_VERSION,
          description:
            'User accounts and the records they own. Errors are RFC 9457 problem details ' +
            '(`application/problem+json`) with a stable `code` and the `request_id`.\n\n' +
            'Sign-up geolocation: [IP Geolocation by DB-IP](https://db-ip.com) (DB-IP Lite, CC BY 4.0).',
        },
        components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
        tags: [
          { name: 'users', description: 'User accounts' },
          { name: 'auth', description: 'Bearer tokens' },
          { name: 'operations', description: 'Health and readiness' },
        ],
      },
      // Shared schemas keep their $id as their component name (`#/components/schemas/User`).
      refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
    })
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })
  },
  { name: 'openapi' },
)
