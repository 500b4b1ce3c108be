import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
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
  // Labelled by the route's pattern (`/api/v1/users/:id`), never the path: a bounded set of series.
  const labelNames = ['method', 'route', 'status'] as const
  const requests = new Counter({
    name: 'custodian_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames,
    registers: [registry],
  })
  const latency = new Histogram({
    name: 'custodian_http_request_duration_seconds',
    help: 'Time from receiving a request to finishing its response, by method, route pattern and status',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
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
  const relayLeader = new Gauge({
    name: 'custodian_relay_leader',
    help: '1 while this instance is the one relaying the outbox to RabbitMQ, else 0',
    registers: [registry],
  })
  // Every outcome is exported from the start, at zero, so a rate() over it never starts from a gap.
  for (const outcome of ['allowed', 'blocked', 'unknown', 'failed'] satisfies GeoOutcome[])
    geoLookups.inc({ outcome }, 0)
  return {
    registry,
    /** Counts one answered request. Unmatched paths share one route label, `unmatched`. */
    request(method: string, route: string | undefined, status: number, seconds: number) {
      const labels = { method, route: route ?? 'unmatched', status: String(status) }
      requests.inc(labels)
      latency.observe(labels, seconds)
    },
    geoLookups,
    purged,
    published,
    publishFailures,
    relayLeader,
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
    app.addHook('onResponse', (request, reply, done) => {
      metrics.request(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000)
      done()
    })
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
