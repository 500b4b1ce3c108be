import { STATUS_CODES } from 'node:http'

/**
 * Every problem the service answers with: its stable `code`, the HTTP status it always comes with, and
 * what it means. Clients branch on the code; the list is the `code` enum of the OpenAPI Problem schema.
 */
export const ERROR_CODES = {
  bad_request: { status: 400, meaning: 'The request could not be read' },
  validation_failed: { status: 400, meaning: 'A field, parameter or header is invalid: see `errors`' },
  malformed_json: { status: 400, meaning: 'The body is not valid JSON' },
  invalid_value: { status: 400, meaning: 'A value is out of range or malformed' },
  unauthorized: { status: 401, meaning: 'A valid bearer token is needed' },
  invalid_credentials: { status: 401, meaning: 'The email or password is wrong' },
  forbidden: { status: 403, meaning: 'The caller may not do this' },
  geo_blocked: { status: 403, meaning: 'Sign-up is not open where the client is located' },
  account_archived: {
    status: 403,
    meaning: 'The account is archived: an admin can restore it until `purge_at`',
  },
  not_found: { status: 404, meaning: 'Nothing here, or nothing the caller may see' },
  archived: { status: 404, meaning: 'The item is archived: `links.archive` restores it' },
  method_not_allowed: { status: 405, meaning: 'See the `Allow` header' },
  not_acceptable: { status: 406, meaning: 'No representation matches `Accept`' },
  request_timeout: { status: 408, meaning: 'The request took too long to arrive' },
  conflict: { status: 409, meaning: 'The request conflicts with the state of the item' },
  email_taken: { status: 409, meaning: 'Another account, live or archived, has this email' },
  alias_taken: { status: 409, meaning: 'Another live document has this alias' },
  alias_reserved: { status: 409, meaning: 'An archived document keeps this alias until it is purged' },
  idempotency_key_in_flight: {
    status: 409,
    meaning: 'The first request with this Idempotency-Key is still running: see `Retry-After`',
  },
  invalid_transition: {
    status: 409,
    meaning: 'The status cannot move there from the current one: see `current` and `allowed`',
  },
  gone: { status: 410, meaning: 'The item was purged' },
  precondition_failed: { status: 412, meaning: '`If-Match` does not name the current ETag' },
  payload_too_large: { status: 413, meaning: 'The body or a field is over its size limit' },
  uri_too_long: { status: 414, meaning: 'The URL or one of its segments is too long' },
  unsupported_media_type: { status: 415, meaning: 'Send `application/json`' },
  idempotency_key_reused: { status: 422, meaning: 'This Idempotency-Key was sent with another request' },
  precondition_required: { status: 428, meaning: 'This server requires `If-Match` on writes' },
  rate_limited: { status: 429, meaning: 'Too many requests: see `Retry-After`' },
  request_header_fields_too_large: { status: 431, meaning: 'The headers are too large' },
  internal_error: { status: 500, meaning: 'An unexpected error: quote the request id' },
  service_unavailable: { status: 503, meaning: 'The service cannot serve now: see `Retry-After`' },
  geo_unavailable: { status: 503, meaning: 'The sign-up location check is unavailable: see `Retry-After`' },
} as const satisfies Record<string, { status: number; meaning: string }>

export type ErrorCode = keyof typeof ERROR_CODES

/** One field-level problem; `pointer` (RFC 6901) for the body, `parameter` or `header` otherwise. */
export interface FieldProblem {
  pointer?: string
  parameter?: string
  header?: string
  detail: string
}

export type ProblemExtras = { errors?: FieldProblem[]; [member: string]: unknown }

/**
 * The one error type of the service. `code` is a stable machine code clients may branch on, and fixes
 * the status; `detail` is for humans; `extras` become members of the problem body (RFC 9457
 * extensions), `headers` headers of the response.
 */
export class AppError extends Error {
  override name = 'AppError'
  readonly status: number
  constructor(
    readonly code: ErrorCode,
    detail: string,
    readonly extras: ProblemExtras = {},
    readonly headers: Record<string, string> = {},
    /** Only for statuses the list has no code of (an unusual 4xx from Fastify or Node). */
    status?: number,
  ) {
    super(detail)
    this.status = status ?? ERROR_CODES[code].status
  }
}

/** The code of each status, for errors that come with a status only (from Fastify or Node's HTTP parser). */
const CODE_OF_STATUS = new Map<number, ErrorCode>()
for (const [code, { status }] of Object.entries(ERROR_CODES).reverse())
  CODE_OF_STATUS.set(status, code as ErrorCode)

/** The problem of a bare status: its code from the list, or `bad_request` keeping an unlisted status. */
export function problemOfStatus(status: number, detail: string): AppError {
  const code = CODE_OF_STATUS.get(status)
  return code ? new AppError(code, detail) : new AppError('bad_request', detail, {}, {}, status)
}

const BEARER = 'Bearer realm="custodian"'

/** Throwing factories for the problems the services raise; each returns `never`, so `?? fail.x()` types. */
export const fail = {
  /** Any problem of the list, by its code. */
  with(
    code: ErrorCode,
    detail: string,
    extras: ProblemExtras = {},
    headers: Record<string, string> = {},
  ): never {
    throw new AppError(code, detail, extras, headers)
  },
  validation(errors: FieldProblem[]): never {
    throw new AppError('validation_failed', describeFieldProblems(errors), { errors })
  },
  /** 401 with the `WWW-Authenticate` challenge (RFC 6750: `error` says what was wrong with the token). */
  unauthorized(detail: string, error?: 'invalid_request' | 'invalid_token'): never {
    throw unauthorized(detail, error)
  },
  forbidden(detail: string): never {
    throw new AppError('forbidden', detail)
  },
  notFound(resource: string, id?: number | string): never {
    throw new AppError(
      'not_found',
      id === undefined ? `${resource} not found` : `${resource} ${id} not found`,
    )
  },
  conflict(
    code: 'conflict' | 'email_taken' | 'alias_taken' | 'alias_reserved',
    detail: string,
    extras: ProblemExtras = {},
  ): never {
    throw new AppError(code, detail, extras)
  },
}

export function unauthorized(detail: string, error?: 'invalid_request' | 'invalid_token'): AppError {
  const challenge = error ? `${BEARER}, error="${error}"` : BEARER
  return new AppError('unauthorized', detail, {}, { 'www-authenticate': challenge })
}

export function describeFieldProblems(errors: FieldProblem[]): string {
  const count = errors.length === 1 ? 'one field is invalid' : `${errors.length} fields are invalid`
  return `The request is invalid: ${count}.`
}

export interface ProblemBody {
  type: string
  title: string
  status: number
  detail: string
  instance: string
  code: string
  request_id: string
  errors?: FieldProblem[]
  [member: string]: unknown
}

/** Problem types are tag URIs (RFC 4151): stable identifiers that do not pretend to be web pages. */
export function problemType(code: string): string {
  return `tag:custodian,2026:problem:${code}`
}

export function renderProblem(
  error: AppError,
  context: { instance: string; requestId: string },
): ProblemBody {
  const problem: ProblemBody = {
    type: problemType(error.code),
    title: STATUS_CODES[error.status] ?? 'Error',
    status: error.status,
    detail: error.message,
    instance: context.instance,
    code: error.code,
    request_id: context.requestId,
  }
  // Extensions follow the standard members and can never overwrite one.
  for (const [member, value] of Object.entries(error.extras))
    if (!(member in problem)) problem[member] = value
  return problem
}
