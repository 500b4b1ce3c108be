import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import Fastify, { type FastifyPluginAsync, LogController } from 'fastify'
import { Redis } from 'ioredis'
import { type Config, documentBodyLimit } from './config.js'
import type { Db, Session } from './db/database.js'
import { clientErrorHandler } from './http/client-errors.js'
import { installErrorHandling, MAX_PARAM_LENGTH, sendProblem, toAppError } from './http/errors.js'
import { ProblemSchema, TEXT_FORMAT } from './http/schemas.js'
import { addTimestamps } from './http/timestamps.js'
import { aliasesRepository } from './modules/documents/aliases.repository.js'
import { documentsRepository } from './modules/documents/documents.repository.js'
import { documentsRoutes } from './modules/documents/documents.routes.js'
import { DocumentSchema, DocumentSummarySchema } from './modules/documents/documents.schemas.js'
import { createDocumentsService } from './modules/documents/documents.service.js'
import { usersRepository } from './modules/users/users.repository.js'
import { usersRoutes } from './modules/users/users.routes.js'
import { UserSchema } from './modules/users/users.schemas.js'
import { createUsersService } from './modules/users/users.service.js'
import { type ArchiveType, createArchive } from './platform/archive/archive.js'
import { archivePolicyRoutes } from './platform/archive/policy.routes.js'
import { purgeExpired, startPurgeJob } from './platform/archive/purge-job.js'
import { passwords } from './platform/auth/passwords.js'
import { tokensRepository } from './platform/auth/tokens.repository.js'
import { tokensRoutes } from './platform/auth/tokens.routes.js'
import { createTokensService } from './platform/auth/tokens.service.js'
import { changesRoutes } from './platform/changes/changes.routes.js'
import { createAmqpPublisher, type Publisher } from './platform/changes/publisher.js'
import { relayLag, startRelay } from './platform/changes/relay.js'
import { createIpapiProvider, createOfflineProvider } from './platform/geolocation/providers.js'
import { createSignupGate } from './platform/geolocation/signup-gate.js'
import { authPlugin } from './plugins/auth.js'
import { healthRoutes } from './plugins/health.js'
import { createMetrics, metricsPlugin } from './plugins/metrics.js'
import { openApiPlugin } from './plugins/openapi.js'
import { rateLimitPlugin } from './plugins/rate-limit.js'
import { requestContextPlugin, requestId } from './plugins/request-context.js'
import { securityHeadersPlugin } from './plugins/security-headers.js'

export interface AppDeps {
  config: Config
  db: Db
  /** Pipelined single-row lookups (see DatabaseHandle); defaults to `db`. */
  lookups?: Db
  /** Where log lines go (stdout by default), or false for none (building the OpenAPI document). */
  logStream?: NodeJS.WritableStream | false
  /** Run the background jobs (the scheduled purge) while the app is up: the server does, tests don't. */
  jobs?: boolean
  /** A dedicated database session for the outbox relay; it runs when this and AMQP_URL are given. */
  session?: () => Promise<Session>
}

/**
 * Two validators: bodies are checked strictly (a number is not a string), while query, path and header
 * values, which are always text on the wire, are coerced. Both report every problem at once.
 */
function validators() {
  const make = (coerceTypes: false | 'array') => {
    const ajv = new Ajv({
      allErrors: true,
      coerceTypes,
      useDefaults: true,
      removeAdditional: false,
      strict: false,
    })
    addFormats.default(ajv)
    // PostgreSQL text cannot hold NUL: refuse it at the door instead of failing in the database.
    ajv.addFormat(TEXT_FORMAT, (value: string) => !value.includes('\u0000'))
    addTimestamps(ajv)
    return ajv
  }
  const body = make(false)
  const other = make('array')
  // biome-ignore lint/suspicious/noExplicitAny: Fastify hands over plain JSON schemas
  return ({ schema, httpPart }: { schema: any; httpPart?: string }) =>
    (httpPart === 'body' ? body : other).compile(schema)
}

/** Builds the whole service around a database. Never listens: `main.ts` does, tests `inject`. */
export async function buildApp({ config, db, lookups = db, logStream, jobs = false, session }: AppDeps) {
  const app = Fastify({
    logger: logStream !== false && {
      level: config.logLevel,
      // Database errors can quote the failing row or parameters: never let them reach the log.
      redact: { paths: ['err.detail', 'err.parameters', 'err.params', 'err.where'], censor: '[redacted]' },
      ...(logStream && { stream: logStream }),
    },
    genReqId: requestId,
    requestIdHeader: false,
    // Fastify's two lines per request are replaced by the one line of the request-context plugin.
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    return503OnClosing: true,
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    // X-Forwarded-For is believed only from these proxies; anyone else's address is the socket's.
    trustProxy: config.trustProxy,
    // Errors Fastify meets before routing (a malformed URL, say) are problem details too.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id)
      return sendProblem(request, reply, toAppError(error))
    },
    // And so are the requests Node's HTTP parser refuses, before Fastify sees them.
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.setValidatorCompiler(validators())
  // Bodies are JSON (RFC 7396 merge patches included); anything else, text/plain too, is a 415.
  app.removeContentTypeParser('text/plain')
  app.addContentTypeParser(
    'application/merge-patch+json',
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  )
  app.addSchema(ProblemSchema)
  app.addSchema(UserSchema)
  app.addSchema(DocumentSchema)
  app.addSchema(DocumentSummarySchema)
  installErrorHandling(app)

  await app.register(securityHeadersPlugin)
  await app.register(requestContextPlugin)
  await app.register(openApiPlugin)

  const metrics = createMetrics()
  const geo = config.geo
  const signupGate = createSignupGate({
    provider:
      geo.provider === 'offline'
        ? await createOfflineProvider()
        : createIpapiProvider({
            baseUrl: geo.ipapiUrl,
            timeoutMs: geo.timeoutMs,
            cacheSeconds: geo.cacheSeconds,
          }),
    allowed: geo.allowedCountries,
    allowUnknown: geo.allowUnknown,
    onLookup: (outcome) => metrics.geoLookups.inc({ outcome }),
  })

  const liveUrl = (type: ArchiveType, id: number) => `${config.publicUrl}/api/v1/${type}/${id}`
  const archive = createArchive({
    db,
    retentionDays: config.retentionDays,
    urls: { live: liveUrl, archive: (type, id) => `${liveUrl(type, id)}/deleted` },
  })

  const tokens = createTokensService({
    db,
    lookups,
    repo: tokensRepository,
    users: usersRepository,
    passwords,
    ttlSeconds: config.tokenTtlSeconds,
    cacheSeconds: config.tokenCacheSeconds,
  })
  const users = createUsersService({
    db,
    lookups,
    repo: usersRepository,
    passwords,
    tokens,
    signupGate,
    archive,
    urls: { archive: (type, id) => `${liveUrl(type, id)}/deleted` },
  })

  const documents = createDocumentsService({
    db,
    lookups,
    repo: documentsRepository,
    aliases: aliasesRepository,
    archive,
    urls: { live: liveUrl, archive: (type, id) => `${liveUrl(type, id)}/deleted` },
    maxBytes: config.documentMaxBytes,
  })

  await app.register(authPlugin, { tokens, maxFailedLookups: config.rateLimit.credentialsMax })
  const redis = config.redisUrl
    ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 2000 })
    : null
  if (redis) app.addHook('onClose', async () => void (await redis.quit()))
  await app.register(rateLimitPlugin, { ...config.rateLimit, redis })
  const credentialsLimit = { max: config.rateLimit.credentialsMax, timeWindow: config.rateLimit.windowMs }
  const publisher: Publisher | null =
    config.relay && session
      ? createAmqpPublisher({
          url: config.relay.url,
          exchange: config.relay.exchange,
          source: `${config.publicUrl}/api/v1`,
          onError: (err) => app.log.warn({ err }, 'RabbitMQ connection error'),
        })
      : null
  if (publisher && config.relay && session) {
    const relayConfig = config.relay
    metrics.outboxLag(() => relayLag(db))
    let relay: Awaited<ReturnType<typeof startRelay>> | null = null
    let failures = 0
    // Started once the app is ready (after migrations), stopped before the pools close.
    app.addHook('onReady', async () => {
      relay = await startRelay({
        session: await session(),
        publisher,
        batchSize: relayConfig.batchSize,
        events: {
          published: (count) => {
            metrics.published.inc(count)
            if (failures) app.log.info({ failures }, 'relay publishing again')
            failures = 0
          },
          failed: (err) => {
            metrics.publishFailures.inc()
            // The first failure of a streak is a warning; the retries that follow are debug noise.
            if (failures++ === 0) app.log.warn({ err }, 'relay could not publish; retrying with backoff')
          },
          role: (leader) =>
            app.log.info({ leader }, leader ? 'this instance relays the outbox' : 'relay stood down'),
        },
      })
    })
    app.addHook('onClose', async () => {
      await relay?.stop()
      await publisher.close()
    })
  }
  await app.register(healthRoutes, {
    db,
    relay: publisher && { connected: () => publisher.connected, lag: () => relayLag(db) },
  })
  await app.register(metricsPlugin, { metrics })
  const api: FastifyPluginAsync = async (api) => {
    await api.register(usersRoutes, {
      users,
      publicUrl: config.publicUrl,
      requireIfMatch: config.requireIfMatch,
      credentialsLimit,
      archive,
      db,
      tokens,
    })
    await api.register(documentsRoutes, {
      documents,
      publicUrl: config.publicUrl,
      requireIfMatch: config.requireIfMatch,
      bodyLimit: documentBodyLimit(config),
      archive,
      db,
    })
    await api.register(archivePolicyRoutes, { archive })
    await api.register(changesRoutes, { db, archive, publicUrl: config.publicUrl })
    await api.register(tokensRoutes, { tokens, credentialsLimit })
  }
  await app.register(api, { prefix: '/api/v1' })

  if (jobs && config.purge.intervalSeconds > 0) {
    const job = startPurgeJob(
      async () => {
        const { purged } = await purgeExpired(db, { batchSize: config.purge.batchSize })
        for (const [type, count] of Object.entries(purged)) {
          if (count) {
            metrics.purged.inc({ type }, count)
            app.log.info({ type, count }, 'purged expired archive items')
          }
        }
      },
      {
        intervalMs: config.purge.intervalSeconds * 1000,
        onError: (err) => app.log.error({ err }, 'purge failed'),
      },
    )
    app.addHook('onClose', () => job.stop())
  }
  return app
}

export type App = Awaited<ReturnType<typeof buildApp>>
