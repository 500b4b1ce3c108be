import { adminPlugin } from './admin/admin.plugin.js'
import type { Config } from './config.js'
import type { DatabaseHandle } from './db/database.js'
import { createServer } from './http/server.js'
import { applicationsModule } from './modules/applications/applications.plugin.js'
import { documentsModule } from './modules/documents/documents.plugin.js'
import { leadsModule } from './modules/leads/leads.plugin.js'
import { usersModule } from './modules/users/users.plugin.js'
import { usersRepository } from './modules/users/users.repository.js'
import { archivePlugin } from './platform/archive/archive.plugin.js'
import { authPlugin } from './platform/auth/auth.plugin.js'
import { changesPlugin } from './platform/changes/changes.plugin.js'
import { geolocationPlugin } from './platform/geolocation/geolocation.plugin.js'
import { idempotencyPlugin } from './platform/idempotency/idempotency.plugin.js'
import { resourcesPlugin } from './platform/resources/resources.plugin.js'
import { healthPlugin } from './plugins/health.js'
import { metricsPlugin } from './plugins/metrics.js'
import { openApiPlugin } from './plugins/openapi.js'
import { rateLimitPlugin } from './plugins/rate-limit.js'
import { requestContextPlugin } from './plugins/request-context.js'
import { securityHeadersPlugin } from './plugins/security-headers.js'

export interface AppDeps {
  config: Config
  database: Pick<DatabaseHandle, 'db' | 'lookups' | 'session'>
  /** Where log lines go (stdout by default), or false for none (building the OpenAPI document). */
  logStream?: NodeJS.WritableStream | false
  /**
   * Run the background jobs while the app is up: the outbox relay (with AMQP_URL) and the scheduled
   * purge. The server does; tests that need one say so; the CLI's one-shot commands don't.
   */
  jobs?: boolean
}

/**
 * Builds the whole service around a database: the mechanisms first (each a plugin that decorates the
 * app with what it offers), then the resources, which declare themselves to them. Never listens:
 * `main.ts` does, tests `inject`.
 */
export async function buildApp({ config, database, logStream, jobs = false }: AppDeps) {
  const app = createServer(config, database, logStream)
  await app.register(securityHeadersPlugin)
  await app.register(requestContextPlugin)
  await app.register(openApiPlugin)
  await app.register(adminPlugin)
  await app.register(metricsPlugin)
  await app.register(resourcesPlugin)
  // Before any API route: every route registered after them is rate-limited and needs a token.
  await app.register(rateLimitPlugin)
  // Signing in reads accounts through the users module's repository, typed by what auth needs of it.
  await app.register(authPlugin, { accounts: usersRepository, session: database.session })
  await app.register(changesPlugin, { jobs, session: database.session })
  await app.register(archivePlugin, { jobs })
  await app.register(idempotencyPlugin, { jobs, session: database.session })
  await app.register(geolocationPlugin)
  await app.register(usersModule)
  await app.register(documentsModule)
  await app.register(applicationsModule)
  await app.register(leadsModule)
  await app.register(healthPlugin)
  return app
}

export type App = Awaited<ReturnType<typeof buildApp>>
