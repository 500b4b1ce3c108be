import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import { type Static, type TInteger, type TOptional, Type } from 'typebox'
import { RESOURCE_TYPES, type ResourceType } from './platform/resources/registry.js'

/** ARCHIVE_RETENTION_DAYS_USERS, …_DOCUMENTS, …: one per resource of the registry. */
const retentionVariable = (type: ResourceType) => `ARCHIVE_RETENTION_DAYS_${type.toUpperCase()}`
const RetentionDays = Type.Integer({ minimum: 1, maximum: 3650 })
const retentionVariables = Object.fromEntries(
  RESOURCE_TYPES.map((type) => [retentionVariable(type), Type.Optional(RetentionDays)]),
) as Record<string, TOptional<TInteger>>

/**
 * The environment, as one schema. It is parsed once, at start, by `loadConfig` and passed down as a
 * value: no module reads `process.env` on its own, so tests build apps with any configuration.
 */
const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://[^/?#]+(/[^?#]*)?$' })),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  MIGRATE_ON_START: Type.Boolean({ default: false }),
  ADMIN_EMAIL: Type.Optional(Type.String({ format: 'email' })),
  ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 8 })),
  TRUST_PROXY: Type.String({ default: '127.0.0.0/8,::1' }),
  ARCHIVE_RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 3650, default: 30 }),
  ...retentionVariables,
  PURGE_INTERVAL_SECONDS: Type.Integer({ minimum: 0, default: 3600 }),
  PURGE_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
  GEO_PROVIDER: Type.Union([Type.Literal('offline'), Type.Literal('ipapi')], { default: 'offline' }),
  GEO_ALLOWED_COUNTRIES: Type.String({
    pattern: '^\\s*[A-Za-z]{2}(\\s*,\\s*[A-Za-z]{2})*\\s*$',
    default: 'CH',
  }),
  GEO_ALLOW_UNKNOWN: Type.Boolean({ default: false }),
  IPAPI_URL: Type.String({ pattern: '^https?://', default: 'https://ipapi.co' }),
  GEO_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 30_000, default: 2000 }),
  GEO_CACHE_SECONDS: Type.Integer({ minimum: 0, default: 3600 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, default: 86_400 }),
  TOKEN_CACHE_SECONDS: Type.Integer({ minimum: 0, maximum: 300, default: 10 }),
  REQUIRE_IF_MATCH: Type.Boolean({ default: false }),
  EVENTS_HEARTBEAT_SECONDS: Type.Integer({ minimum: 1, maximum: 300, default: 15 }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 1_048_576 }),
  DOCUMENT_MAX_BYTES: Type.Integer({ minimum: 1, maximum: 64 * 1_048_576, default: 1_048_576 }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  AMQP_URL: Type.Optional(Type.String({ pattern: '^amqps?://' })),
  AMQP_EXCHANGE: Type.String({ pattern: '^[A-Za-z0-9._:-]{1,255}$', default: 'custodian.events' }),
  RELAY_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 10_000, default: 500 }),
  RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 600 }),
  RATE_LIMIT_CREDENTIALS_MAX: Type.Integer({ minimum: 1, default: 20 }),
  RATE_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 60 }),
})

type Env = Static<typeof EnvSchema>

export interface Config {
  port: number
  host: string
  /** Base of every absolute URL in responses, without a trailing slash. Never taken from `Host`. */
  publicUrl: string
  database: { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string }
  /** Run migrations on start: always for the embedded database, on request for PostgreSQL. */
  migrateOnStart: boolean
  admin: { email: string; password: string } | null
  /** Proxies (IPs, CIDRs) whose X-Forwarded-For is believed; empty = none. */
  trustProxy: string[]
  /** Days an archived item is kept before it is purged, per type (ARCHIVE_RETENTION_DAYS_<TYPE>). */
  retentionDays: Record<ResourceType, number>
  /** How often this instance purges expired archive items (0: never; `custodian purge` still can). */
  purge: { intervalSeconds: number; batchSize: number }
  geo: {
    provider: 'offline' | 'ipapi'
    allowedCountries: string[]
    /** Development only: admit sign-ups from private, loopback and unlocatable addresses. */
    allowUnknown: boolean
    ipapiUrl: string
    timeoutMs: number
    cacheSeconds: number
  }
  logLevel: Env['LOG_LEVEL']
  tokenTtlSeconds: number
  /** How long an instance may trust a cached token lookup; 0 disables the cache. */
  tokenCacheSeconds: number
  requireIfMatch: boolean
  /** How often the live change feed (`GET /events/stream`) sends a comment when there is no change. */
  eventsHeartbeatSeconds: number
  bodyLimitBytes: number
  /**
   * Largest document content in UTF-8 bytes (413 above). The document write routes accept bodies big
   * enough for it whatever BODY_LIMIT_BYTES says (see documentBodyLimit).
   */
  documentMaxBytes: number
  /** Shared rate-limit counters; null keeps them in-process. */
  redisUrl: string | null
  /** The outbox relay to RabbitMQ; null without AMQP_URL (consume `GET /events` instead). */
  relay: { url: string; exchange: string; batchSize: number } | null
  rateLimit: { max: number; credentialsMax: number; windowMs: number }
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false })
addFormats.default(ajv, ['email'])
const validate = ajv.compile<Env>(EnvSchema)

/** Parses the environment. Throws a ConfigError whose message names every offending variable. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset", as in most deployment tools.
  const env: Record<string, unknown> = {}
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = source[key]
    if (value !== undefined && value !== '') env[key] = value
  }
  if (!validate(env)) {
    const problems = (validate.errors ?? []).map((e) => {
      const name = e.instancePath.slice(1) || String(e.params.missingProperty ?? '')
      return `${name} ${e.message ?? 'is invalid'} (got ${JSON.stringify(source[name] ?? null)})`
    })
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`)
  }
  const e = env as Env
  if ((e.ADMIN_EMAIL === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    throw new ConfigError('Invalid configuration:\n  ADMIN_EMAIL and ADMIN_PASSWORD must be set together')
  }
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'pglite', dataDir: e.DATA_DIR },
    migrateOnStart: e.DATABASE_URL ? e.MIGRATE_ON_START : true,
    admin: e.ADMIN_EMAIL && e.ADMIN_PASSWORD ? { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD } : null,
    trustProxy: e.TRUST_PROXY.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    retentionDays: Object.fromEntries(
      RESOURCE_TYPES.map((type) => [
        type,
        ((env as Record<string, unknown>)[retentionVariable(type)] as number | undefined) ??
          e.ARCHIVE_RETENTION_DAYS,
      ]),
    ) as Record<ResourceType, number>,
    purge: { intervalSeconds: e.PURGE_INTERVAL_SECONDS, batchSize: e.PURGE_BATCH_SIZE },
    geo: {
      provider: e.GEO_PROVIDER,
      allowedCountries: e.GEO_ALLOWED_COUNTRIES.split(',').map((c) => c.trim().toUpperCase()),
      allowUnknown: e.GEO_ALLOW_UNKNOWN,
      ipapiUrl: e.IPAPI_URL.replace(/\/+$/, ''),
      timeoutMs: e.GEO_TIMEOUT_MS,
      cacheSeconds: e.GEO_CACHE_SECONDS,
    },
    logLevel: e.LOG_LEVEL,
    tokenTtlSeconds: e.TOKEN_TTL_SECONDS,
    tokenCacheSeconds: e.TOKEN_CACHE_SECONDS,
    requireIfMatch: e.REQUIRE_IF_MATCH,
    eventsHeartbeatSeconds: e.EVENTS_HEARTBEAT_SECONDS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    documentMaxBytes: e.DOCUMENT_MAX_BYTES,
    redisUrl: e.REDIS_URL ?? null,
    relay: e.AMQP_URL ? { url: e.AMQP_URL, exchange: e.AMQP_EXCHANGE, batchSize: e.RELAY_BATCH_SIZE } : null,
    rateLimit: {
      max: e.RATE_LIMIT_MAX,
      credentialsMax: e.RATE_LIMIT_CREDENTIALS_MAX,
      windowMs: e.RATE_LIMIT_WINDOW_SECONDS * 1000,
    },
  }
}

/**
 * The body limit of the document write routes: room for a document of the largest content even when
 * JSON escapes double it (quotes, backslashes, newlines), and never less than BODY_LIMIT_BYTES. The
 * content's own size is then checked exactly, so a too-large document is a 413 either way.
 */
export function documentBodyLimit(config: Pick<Config, 'bodyLimitBytes' | 'documentMaxBytes'>): number {
  return Math.max(config.bodyLimitBytes, 2 * config.documentMaxBytes + 65_536)
}
