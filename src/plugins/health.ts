import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { type Db, pendingMigrations, ping } from '../db/database.js'

const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('pass'), Type.Literal('fail')]),
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

/** `/health`: the process answers. `/ready`: it can serve (database reachable and fully migrated). */
export const healthRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const schema = { tags: ['operations'], response: { 200: HealthSchema, 503: HealthSchema } }

  app.get(
    '/health',
    { config: { rateLimit: false }, schema: { ...schema, summary: 'Liveness' } },
    async (_req, reply) => {
      reply.type('application/health+json')
      return { status: 'pass' as const }
    },
  )

  app.get(
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
      const status = database.status === 'pass' ? ('pass' as const) : ('fail' as const)
      reply.type('application/health+json').status(status === 'pass' ? 200 : 503)
      return { status, checks: { 'database:connection': [database] } }
    },
  )
}
