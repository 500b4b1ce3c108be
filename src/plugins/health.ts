import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Type } from 'typebox'
import { pendingMigrations, ping } from '../db/database.js'

const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail')]),
  checks: Type.Optional(
    Type.Record(
      Type.String(),
      Type.Array(
        Type.Object(
          { status: Type.String(), output: Type.Optional(Type.String()) },
          { additionalProperties: true },
        ),
      ),
    ),
  ),
})

/**
 * `/health`: the process answers. `/ready`: it can serve (database reachable and fully migrated); with a
 * relay it also reports the broker connection and the relay's lag. A broker that is away makes the
 * status `warn`, still 200: writes keep working and their events wait in the outbox.
 */
export const healthPlugin = fp(
  async (app: FastifyInstance) => {
    const { db, relay } = app
    const api = app.withTypeProvider<TypeBoxTypeProvider>()
    const schema = { tags: ['operations'], response: { 200: HealthSchema, 503: HealthSchema } }

    api.get(
      '/health',
      { config: { rateLimit: false }, schema: { ...schema, summary: 'Liveness' } },
      async (_req, reply) => {
        reply.type('application/health+json')
        return { status: 'pass' as const }
      },
    )

    api.get(
      '/ready',
      { config: { rateLimit: false }, schema: { ...schema, summary: 'Readiness' } },
      async (req, reply) => {
        let database: { status: string; output?: string }
        try {
          await ping(db)
          const pending = await pendingMigrations(db)
          database = pending.length
            ? { status: 'fail', output: `pending migrations: ${pending.join(', ')} (run custodian migrate)` }
            : { status: 'pass' }
        } catch (error) {
          req.log.warn({ err: error }, 'readiness check failed')
          database = { status: 'fail', output: 'database unreachable' }
        }
        const checks: Record<string, { status: string; [field: string]: unknown }[]> = {
          'database:connection': [database],
        }
        let status: 'pass' | 'warn' | 'fail' = database.status === 'pass' ? 'pass' : 'fail'
        if (relay) {
          const connected = relay.connected()
          checks['rabbitmq:connection'] = [
            connected
              ? { status: 'pass' }
              : { status: 'warn', output: 'RabbitMQ unreachable: events wait in the outbox' },
          ]
          if (!connected && status === 'pass') status = 'warn'
          if (database.status === 'pass') {
            const lag = await relay.lag()
            checks['outbox:lag'] = [
              { status: 'pass', observedValue: lag.events, observedUnit: 'events' },
              { status: 'pass', observedValue: Math.round(lag.seconds * 1000) / 1000, observedUnit: 's' },
            ]
          }
        }
        reply.type('application/health+json').status(status === 'fail' ? 503 : 200)
        return { status, checks }
      },
    )
  },
  { name: 'health', dependencies: ['changes'] },
)
