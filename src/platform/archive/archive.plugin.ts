import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Type } from 'typebox'
import { API_PREFIX } from '../../http/urls.js'
import { scheduleJob } from '../jobs.js'
import { type Archive, createArchive } from './archive.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Reversible deletes of every resource; modules add their hooks and register `archiveRoutes`. */
    readonly archive: Archive
  }
}

const PolicySchema = Type.Object({
  retention_days: Type.Record(Type.String(), Type.Integer(), {
    description: 'Days an archived item of each type is kept; its purge_at is fixed when it is deleted',
  }),
})

/**
 * The archive: the service every resource's delete, restore and purge goes through, `GET
 * /archive/policy` (how long each type is kept, so clients can show what expires soon), and, with the
 * background jobs, the scheduled purge of what has expired.
 */
export const archivePlugin = fp(
  async (app: FastifyInstance, { jobs }: { jobs: boolean }) => {
    const { config } = app
    const archive = createArchive({
      db: app.db,
      urls: app.urls,
      retentionDays: config.retentionDays,
    })
    app.decorate('archive', archive)

    app.get(
      `${API_PREFIX}/archive/policy`,
      { schema: { tags: ['archive'], summary: 'Retention per type', response: { 200: PolicySchema } } },
      async () => archive.policy(),
    )

    if (!jobs || config.purge.intervalSeconds === 0) return
    scheduleJob(app, 'purge', config.purge.intervalSeconds * 1000, async () => {
      const { purged } = await archive.purgeExpired({ batchSize: config.purge.batchSize })
      for (const [type, count] of Object.entries(purged)) {
        if (count === 0) continue
        app.metrics.purged.inc({ type }, count)
        app.log.info({ type, count }, 'purged expired archive items')
      }
    })
  },
  { name: 'archive', dependencies: ['metrics'] },
)
