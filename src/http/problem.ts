import { STATUS_CODES } from 'node:http'

/** One field-level problem; `pointer` (RFC 6901) for the body, `parameter` or `header` otherwise. */
export interface FieldProblem {
  pointer?: string
  parameter?: string
  header?: string
  detail: string
}

/**
 * The one error type of the service. `code` is a stable machine code clients may branch on;
 * `detail` is for humans; `extras` become members of the problem body (RFC 9457 extensions).
 */
export class AppError extends Error {
  override name = 'AppError'
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly extras: { errors?: FieldProblem[]; [member: string]: unknown } = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail)
  }
}

/** Throwing factories for the errors the services raise; each returns `never`, so `?? fail.x()` types. */
export const fail = {
  badRequest(code: string, detail: string, errors?: FieldProblem[]): never {
    throw new AppError(400, code, detail, errors ? { errors } : {})
  },
  validation(errors: FieldProblem[]): never {
    throw new AppError(400, 'validation_failed', describeFieldProblems(errors), { errors })
  },
  unauthorized(detail: string, challenge = 'Bearer realm="custodian"'): never {
    throw new AppError(401, 'unauthorized', detail, {}, { 'www-authenticate': challenge })
  },
  forbidden(detail: string): never {
    throw new AppError(403, 'forbidden', detail)
  },
  notFound(resource: string, id?: number | string): never {
    throw new AppError(
      404,
      'not_found',
      id === undefined ? `${resource} not found` : `${resource} ${id} not found`,
    )
  },
  conflict(code: string, detail: string, extras: Record<string, unknown> = {}): never {
    throw new AppError(409, code, detail, extras)
  },
  preconditionFailed(detail: string): never {
    throw new AppError(412, 'precondition_failed', detail)
  },
  preconditionRequired(detail: string): never {
    throw new AppError(428, 'precondition_required', detail)
  },
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
