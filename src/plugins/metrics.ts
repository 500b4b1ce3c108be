import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, collectDefaultMetrics, Registry } from 'prom-client'
import type { GeoOutcome } from '../platform/geolocation/signup-gate.js'

/** The service's Prometheus metrics; one registry per app, so several apps in one process never clash. */
export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'custodian_' })
  const geoLookups = new Counter({
    name: 'custodian_geo_lookups_total',
    help: 'Sign-up geolocation checks by outcome (allowed, blocked, unknown, failed)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  })
  const purged = new Counter({
    name: 'custodian_archive_purged_total',
    help: 'Archived items purged after their retention, by type',
    labelNames: ['type'] as const,
    registers: [registry],
  })
  // Every outcome is exported from the start, at zero, so a rate() over it never starts from a gap.
  for (const outcome of ['allowed', 'blocked', 'unknown', 'failed'] satisfies GeoOutcome[])
    geoLookups.inc({ outcome }, 0)
  return { registry, geoLookups, purged }
}

export type Metrics = ReturnType<typeof createMetrics>

/** `GET /metrics` in the Prometheus text format. Not rate-limited; restrict it at the proxy. */
export const metricsPlugin = fp(
  async (app: FastifyInstance, { metrics }: { metrics: Metrics }) => {
    app.get(
      '/metrics',
      { config: { rateLimit: false }, schema: { tags: ['operations'], summary: 'Prometheus metrics' } },
      async (_request, reply) => {
        reply.type(metrics.registry.contentType)
        return metrics.registry.metrics()
      },
    )
  },
  { name: 'metrics' },
)
