import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import FindMyWay from 'find-my-way'
import { ifMatchHint } from './conditional.js'
import {
  AppError,
  describeFieldProblems,
  type ErrorCode,
  type FieldProblem,
  problemOfStatus,
  renderProblem,
} from './problem.js'

const FASTIFY_ERRORS: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
}

const DETAILS: Partial<Record<ErrorCode, string>> = {
  malformed_json: 'The request body is not valid JSON.',
  unsupported_media_type: 'Send the request body as application/json.',
}

type AjvError = NonNullable<FastifyError['validation']>[number]

const listed = (values: unknown[]) =>
  `must be one of: ${values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}`

/** The detail of one Ajv error, naming what would have been valid where Ajv's message does not. */
function detailOf(e: AjvError): string {
  const params = e.params as { additionalProperty?: string; allowedValues?: unknown[]; format?: string }
  if (params.additionalProperty !== undefined) return 'is not a known field'
  if (e.keyword === 'enum' && Array.isArray(params.allowedValues)) return listed(params.allowedValues)
  if (e.keyword === 'format' && params.format === 'date-time')
    return 'must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z or 2026-01-31T13:00:00.5+01:00 (in a URL, send "+" as %2B)'
  return e.message ?? 'is invalid'
}

/**
 * A union of constants (TypeBox compiles a union of literals to `anyOf` of `const`) fails with one
 * error per branch and one for the `anyOf`: report it as one error listing the allowed values.
 */
function collapseConstUnions(errors: AjvError[]): AjvError[] {
  let result = errors
  for (const union of errors.filter((e) => e.keyword === 'anyOf')) {
    const branches = result.filter(
      (e) =>
        e !== union &&
        e.instancePath === union.instancePath &&
        e.schemaPath.startsWith(`${union.schemaPath}/`),
    )
    // A branch `{type: 'string', const: 'x'}` may fail on its type as well as on its constant.
    const constants = branches.filter((e) => e.keyword === 'const')
    if (constants.length === 0 || !branches.every((e) => e.keyword === 'const' || e.keyword === 'type'))
      continue
    const allowedValues = constants.map((e) => (e.params as { allowedValue: unknown }).allowedValue)
    result = result
      .filter((e) => !branches.includes(e))
      .map((e) => (e === union ? { ...union, keyword: 'enum', params: { allowedValues } } : e))
  }
  return result
}

/**
 * A nullable field (a union of a schema and null) that fails fails its schema: report that schema's
 * problems, not also "must be null" and "must match a schema in anyOf".
 */
function collapseNullableUnions(errors: AjvError[]): AjvError[] {
  let result = errors
  for (const union of errors.filter((e) => e.keyword === 'anyOf')) {
    const branch = (e: AjvError) =>
      e !== union && e.instancePath === union.instancePath && e.schemaPath.startsWith(`${union.schemaPath}/`)
    const isNull = (e: AjvError) =>
      branch(e) && e.keyword === 'type' && (e.params as { type?: unknown }).type === 'null'
    if (!result.some(isNull) || !result.some((e) => branch(e) && !isNull(e))) continue
    result = result.filter((e) => e !== union && !isNull(e))
  }
  return result
}

/** Maps Ajv's errors to field problems: a JSON Pointer into the body, or the parameter's name. */
export function fieldProblems(errors: AjvError[], context: string | undefined): FieldProblem[] {
  return collapseNullableUnions(collapseConstUnions(errors)).map((e) => {
    const params = e.params as { missingProperty?: string; additionalProperty?: string }
    const member = params.missingProperty ?? params.additionalProperty
    const path = member === undefined ? e.instancePath : `${e.instancePath}/${member}`
    const detail = detailOf(e)
    if (context === 'body') return { pointer: path || '/', detail }
    const name = path.split('/')[1] ?? ''
    return context === 'headers' ? { header: name, detail } : { parameter: name, detail }
  })
}

/** How long a client should wait before retrying while the database is away (it restarts in seconds). */
const DATABASE_RETRY_AFTER_SECONDS = 2

/**
 * Whether an error says the database cannot be reached right now, rather than that a query is wrong:
 * the connection was refused, lost or timed out (postgres.js's codes and the socket's), or PostgreSQL
 * is shutting down, starting or out of connections (SQLSTATE 08xxx, 57P01–57P03, 53300). Such a
 * request is worth retrying: 503 with Retry-After, never a 500 or a hang.
 */
export function databaseUnavailable(error: { code?: unknown }): boolean {
  const code = typeof error.code === 'string' ? error.code : ''
  return (
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN)$/.test(code) ||
    /^(CONNECTION_(CLOSED|ENDED|DESTROYED)|CONNECT_TIMEOUT)$/.test(code) ||
    /^(08[0-9A-Z]{3}|57P0[123]|53300)$/.test(code)
  )
}

/** Turns anything thrown into the AppError it means to the client. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error
  const e = error as Partial<FastifyError>
  if (e.validation) {
    const errors = fieldProblems(e.validation, e.validationContext)
    return new AppError('validation_failed', describeFieldProblems(errors), { errors })
  }
  if (databaseUnavailable(e)) {
    return new AppError(
      'service_unavailable',
      'The database is unavailable for a moment: retry shortly.',
      {},
      { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
    )
  }
  // PostgreSQL data exceptions (class 22: a value out of range, malformed) are the client's input.
  if (typeof e.code === 'string' && /^22[0-9A-Z]{3}$/.test(e.code)) {
    return new AppError('invalid_value', 'A value in the request is out of range or malformed.')
  }
  const known = e.code ? FASTIFY_ERRORS[e.code] : undefined
  if (known) return new AppError(known, DETAILS[known] ?? e.message ?? '')
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return problemOfStatus(e.statusCode, e.message ?? 'Bad request')
  }
  return new AppError('internal_error', 'An unexpected error occurred. Quote the request id to report it.')
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: AppError) {
  reply.headers(error.headers)
  // The problem is serialised as is: a route's response schema must not strip its extension members.
  return reply
    .status(error.status)
    .type('application/problem+json')
    .serializer(JSON.stringify)
    .send(renderProblem(error, { instance: request.url.split('?')[0] ?? '/', requestId: request.id }))
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

/** The longest path segment the router matches; the same for routing and for 405 detection. */
export const MAX_PARAM_LENGTH = 200

/**
 * One error format for everything: our errors, Fastify's validation, parsing and routing errors, and
 * the unexpected (500, no internals: the log line carries them, joined by the request id). An unknown
 * path is a 404; a known path with another method is a 405 with `Allow`, and OPTIONS answers `Allow`.
 */
export function installErrorHandling(app: FastifyInstance) {
  const routes = FindMyWay({ ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH })
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (
        METHODS.includes(method as (typeof METHODS)[number]) &&
        !routes.hasRoute(method as 'GET', route.url)
      ) {
        routes.on(method as 'GET', route.url, () => {})
      }
    }
  })

  app.setErrorHandler((error, request, reply) => {
    let appError = toAppError(error)
    // Only here are both known: that If-Match failed, and the header the client wrote.
    const hint = appError.code === 'precondition_failed' ? ifMatchHint(request.headers['if-match']) : null
    if (hint) {
      const { code, message, extras, headers } = appError
      appError = new AppError(code, `${message} ${hint}`, extras, headers)
    }
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed')
    // A value the database refused is usually bad input, but could be a bug: keep a trace.
    else if (appError.code === 'invalid_value')
      request.log.warn({ err: error }, 'the database refused a value')
    return sendProblem(request, reply, appError)
  })

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/'
    const allowed = METHODS.filter((m) => routes.find(m, path) !== null)
    // A route of this method matched and its handler found nothing (a missing file under the
    // `/docs/static/*` wildcard, say): that is a 404, not a wrong method.
    if (allowed.length === 0 || allowed.includes(request.method as (typeof METHODS)[number])) {
      return sendProblem(request, reply, new AppError('not_found', `No resource at ${path}.`))
    }
    const allow = [...allowed, 'OPTIONS'].join(', ')
    if (request.method === 'OPTIONS') return reply.status(204).header('allow', allow).send()
    return sendProblem(
      request,
      reply,
      new AppError('method_not_allowed', `${request.method} is not allowed on ${path}.`, {}, { allow }),
    )
  })
}
