import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client'
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
  const published = new Counter({
    name: 'custodian_outbox_published_total',
    help: 'Change events published to RabbitMQ and confirmed by it',
    registers: [registry],
  })
  const publishFailures = new Counter({
    name: 'custodian_outbox_publish_failures_total',
    help: 'Relay attempts that failed (broker away, unconfirmed batch); each is retried with backoff',
    registers: [registry],
  })
  // Every outcome is exported from the start, at zero, so a rate() over it never starts from a gap.
  for (const outcome of ['allowed', 'blocked', 'unknown', 'failed'] satisfies GeoOutcome[])
    geoLookups.inc({ outcome }, 0)
  return {
    registry,
    geoLookups,
    purged,
    published,
    publishFailures,
    /** The relay's lag, read from the database at each scrape (every instance reports the same). */
    outboxLag(read: () => Promise<{ events: number; seconds: number }>) {
      const gauge = (
        name: string,
        help: string,
        pick: (lag: { events: number; seconds: number }) => number,
      ) =>
        new Gauge({
          name,
          help,
          registers: [registry],
          async collect() {
            this.set(pick(await read()))
          },
        })
      gauge('custodian_outbox_lag_events', 'Changes recorded but not yet published', (l) => l.events)
      gauge('custodian_outbox_lag_seconds', 'Age of the oldest change not yet published', (l) => l.seconds)
    },
  }
}

export type Metrics = ReturnType<typeof createMetrics>

declare module 'fastify' {
  interface FastifyInstance {
    /** The Prometheus metrics other parts of the service count into. */
    readonly metrics: Metrics
  }
}

/** The app's metrics, and `GET /metrics` in the Prometheus text format. Not rate-limited; restrict it at the proxy. */
export const metricsPlugin = fp(
  async (app: FastifyInstance) => {
    const metrics = createMetrics()
    app.decorate('metrics', metrics)
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
