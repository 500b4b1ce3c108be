import { randomUUID } from 'node:crypto'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import Fastify, {
  type FastifyContextConfig,
  type FastifyInstance,
  LogController,
  type RawRequestDefaultExpression,
} from 'fastify'
import type { Config } from '../config.js'
import type { DatabaseHandle, Db } from '../db/database.js'
import { clientErrorHandler } from './client-errors.js'
import { installErrorHandling, MAX_PARAM_LENGTH, sendProblem, toAppError } from './errors.js'
import { addLists } from './lists.js'
import { ProblemSchema, TEXT_FORMAT } from './schemas.js'
import { addTimestamps } from './timestamps.js'
import { createUrls, type Urls } from './urls.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The configuration the service was started with. */
    readonly config: Config
    /** Every absolute URL the service writes. */
    readonly urls: Urls
    /** The database: the pool (transactions, lists) and the lookup connection (single-row reads). */
    readonly db: Db
    readonly lookups: Db
    /** Compiles every validator and serializer not compiled yet (they compile on first use). */
    compileSchemas(): void
    /** Every route as registered, with its config: what the route-inventory test walks. */
    readonly routeTable: { method: string; url: string; config: FastifyContextConfig | undefined }[]
  }
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:+/=-]{1,128}$/

/** A caller's X-Request-ID when it is a safe token of at most 128 characters, else a new UUID. */
export function requestId(raw: RawRequestDefaultExpression): string {
  const header = raw.headers['x-request-id']
  return typeof header === 'string' && SAFE_REQUEST_ID.test(header) ? header : randomUUID()
}

type Validate = ((data: unknown) => unknown) & { errors?: unknown }

/**
 * Two validators: bodies are checked strictly (a number is not a string), while query, path and header
 * values, which are always text on the wire, are coerced. Both report every problem at once. Given as
 * the schema controller's builder, so every encapsulated context (and every rebuild after a plugin adds
 * a shared schema) validates the same way.
 *
 * Each route part's validator is compiled when it is first used, not when the app becomes ready:
 * compiling them all took about 1.5 s of a start and, kept, 30 MB of an idle server's memory (issue
 * 13); a route's first request pays its few milliseconds instead. `app.compileSchemas()` compiles
 * them all at once: the route inventory test does, so a broken schema still fails the suite. Until
 * compiled, a validator is in `pending`.
 */
function lazyValidators(pending: Set<() => void>) {
  return (externalSchemas: unknown) => {
    let compilers: { body: Ajv; other: Ajv } | undefined
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
      addLists(ajv)
      for (const schema of Object.values(externalSchemas as Record<string, object>)) ajv.addSchema(schema)
      return ajv
    }
    // biome-ignore lint/suspicious/noExplicitAny: Fastify hands over plain JSON schemas
    return ({ schema, httpPart }: { schema: any; httpPart?: string }): Validate => {
      let compiled: Validate | undefined
      const compile = () => {
        compilers ??= { body: make(false), other: make('array') }
        compiled ??= (httpPart === 'body' ? compilers.body : compilers.other).compile(schema) as Validate
        pending.delete(compile)
        return compiled
      }
      pending.add(compile)
      // Fastify reads `errors` off the function it called, after a call that returned false.
      const validate: Validate = (data) => {
        const run = compiled ?? compile()
        const valid = run(data)
        validate.errors = run.errors
        return valid
      }
      validate.errors = null
      return validate
    }
  }
}

/**
 * Response serializers (fast-json-stringify, Fastify's own builder) compiled on a route's first answer
 * with that status, like the validators: compiling them all took about 0.4 s of every start.
 * `app.compileSchemas()` compiles them too.
 */
function lazySerializers(pending: Set<() => void>) {
  const build = SerializerSelector()
  return (...args: Parameters<typeof build>) => {
    const compilerFor = build(...args)
    return (route: Parameters<typeof compilerFor>[0]) => {
      let compiled: ((data: unknown) => string) | undefined
      const compile = () => {
        compiled ??= compilerFor(route) as (data: unknown) => string
        pending.delete(compile)
        return compiled
      }
      pending.add(compile)
      return (data: unknown) => (compiled ?? compile())(data)
    }
  }
}

/**
 * The HTTP server every part of the service is registered on: logging (one line per request, no
 * secrets), request ids, timeouts, trusted proxies, JSON bodies only, validation, and one error format
 * (RFC 9457) for every error, Fastify's own included.
 */
export function createServer(
  config: Config,
  database: Pick<DatabaseHandle, 'db' | 'lookups'>,
  logStream?: NodeJS.WritableStream | false,
) {
  const pending = new Set<() => void>()
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
    // Fastify's type says a builder returns Ajv's own compile; at run time it is handed route parts.
    schemaController: {
      compilersFactory: {
        buildValidator: lazyValidators(pending) as never,
        buildSerializer: lazySerializers(pending) as never,
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>()

  // Bodies are JSON (RFC 7396 merge patches included); anything else, text/plain too, is a 415.
  app.removeContentTypeParser('text/plain')
  app.addContentTypeParser(
    'application/merge-patch+json',
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  )
  app.addSchema(ProblemSchema)
  installErrorHandling(app)
  app.decorate('config', config)
  app.decorate('urls', createUrls(config.publicUrl))
  app.decorate('db', database.db)
  app.decorate('lookups', database.lookups)
  app.decorate('compileSchemas', () => {
    for (const compile of pending) compile()
  })
  const routeTable: FastifyInstance['routeTable'] = []
  app.decorate('routeTable', routeTable)
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat()
    for (const method of methods) routeTable.push({ method, url: route.url, config: route.config })
    // The OpenAPI document lists both media types a PATCH body is accepted in.
    if (methods.includes('PATCH') && route.schema?.body && !route.schema.consumes)
      route.schema = { ...route.schema, consumes: ['application/merge-patch+json', 'application/json'] }
  })
  return app
}

export type Server = ReturnType<typeof createServer>
