import { type TProperties, type TSchema, Type } from 'typebox'
import { LIST_KEYWORD } from './lists.js'
import { ERROR_CODES, type ErrorCode } from './problem.js'
import { TIMESTAMP_KEYWORD } from './timestamps.js'

/**
 * Shared primitives every resource schema is built from. One schema per shape gives validation,
 * serialization, TypeScript types and the OpenAPI document.
 */
export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Identifier' })
export const IdParams = Type.Object({ id: Id })
/** Text PostgreSQL can store: any string without NUL characters. */
export const TEXT_FORMAT = 'text-without-nul'
export const Text = (options: { minLength?: number; maxLength?: number; description?: string } = {}) =>
  Type.String({ format: TEXT_FORMAT, ...options })
export const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339, UTC' })
/**
 * A timestamp a client sends (a filter): any RFC 3339 `date-time`, offsets and leap seconds included,
 * handed to the route as the instant in UTC (see `parseTimestamp`). Every timestamp input uses this.
 */
export const TimestampInput = (description: string) =>
  Type.String({
    format: 'date-time',
    [TIMESTAMP_KEYWORD]: true,
    description: `${description}. RFC 3339, e.g. \`2026-01-31T12:00:00Z\` or \`2026-01-31T13:00:00.5+01:00\``,
  })
/**
 * A query parameter naming one or more of `values`: comma-separated (`?status=a,b`), repeated
 * (`?status=a&status=b`), or both. An item matches any of them.
 */
export const OneOrMore = <const V extends string>(values: readonly V[], description: string) =>
  Type.Array(Type.Enum(values), {
    [LIST_KEYWORD]: true,
    description: `${description}: one or more, comma-separated (\`a,b\`) or repeated (\`?x=a&x=b\`)`,
  })
/**
 * The schemas of fields as responses carry them: without what only checks input (`text-without-nul`,
 * the `x-timestamp` rewrite), which the serializer neither needs nor knows. Types, enums and
 * descriptions stay, so one declaration of a field serves its input and its output.
 */
export function outputOf<P extends TProperties>(properties: P): P {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip)
    if (value === null || typeof value !== 'object') return value
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key, v]) => key !== TIMESTAMP_KEYWORD && !(key === 'format' && v === TEXT_FORMAT))
        .map(([key, v]) => [key, strip(v)]),
    )
  }
  return strip(properties) as P
}
export const Url = Type.String({ format: 'uri' })
export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 })
export const CountryCode = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' })

/** Members every representation carries: identity first, timestamps last. */
export const Identity = { url: Url, id: Id }
export const Timestamps = { created_at: Timestamp, updated_at: Timestamp }

export const FieldProblemSchema = Type.Object({
  pointer: Type.Optional(Type.String({ description: 'JSON Pointer (RFC 6901) into the request body' })),
  parameter: Type.Optional(Type.String({ description: 'Query or path parameter' })),
  header: Type.Optional(Type.String({ description: 'Request header' })),
  detail: Type.String(),
})

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'Identifies the problem type (a tag URI)' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String({ description: 'The request path' }),
    code: Type.Enum(Object.keys(ERROR_CODES) as ErrorCode[], {
      description: `Stable machine-readable code:\n\n${Object.entries(ERROR_CODES)
        .map(([code, { status, meaning }]) => `- \`${code}\` (${status}): ${meaning}`)
        .join('\n')}`,
    }),
    request_id: Type.String(),
    errors: Type.Optional(Type.Array(FieldProblemSchema)),
  },
  { $id: 'Problem', additionalProperties: true, description: 'RFC 9457 problem details' },
)

export const ProblemRef = Type.Ref('Problem')

/** Problem responses to document on a route, by status, under their own media type. */
export function problems(...statuses: number[]) {
  const response = {
    description: 'Problem details (RFC 9457)',
    content: { 'application/problem+json': { schema: ProblemRef } },
  }
  return Object.fromEntries(statuses.map((s) => [s, response])) as Record<number, typeof response>
}

/** The list envelope shared by every collection (DRF-compatible plus cursor pages). */
export function Page<T extends TSchema>(item: T) {
  return Type.Object({
    count: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
      description:
        'Total matching items; null on cursor pages, which skip the count. Exact up to 1,000 matches, ' +
        "the planner's estimate above (see `count_kind`); send `Prefer: count=exact` for an exact count",
    }),
    count_kind: Type.Union([Type.Literal('exact'), Type.Literal('estimated'), Type.Null()], {
      description: 'Whether `count` is exact or estimated; null on cursor pages',
    }),
    next: Type.Union([Url, Type.Null()]),
    previous: Type.Union([Url, Type.Null()]),
    results: Type.Array(item),
  })
}

export const PageQuery = {
  page: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: 'Page number (page-number pagination)' }),
  ),
  page_size: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'Items per page; default 10, values above 100 are clamped',
    }),
  ),
  cursor: Type.Optional(
    Type.String({
      maxLength: 512,
      description: 'Opaque cursor from a `next`/`previous` link; send it empty to start cursor pagination',
    }),
  ),
}

/** Filters every list of owned records has: an id range and a creation window (bounds exclusive). */
export const IdAndCreationFilters = {
  since_id: Type.Optional(
    Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Only ids greater than this' }),
  ),
  max_id: Type.Optional(Type.Integer({ ...Id, description: 'Only ids less than this' })),
  created_after: Type.Optional(TimestampInput('Only items created after this time')),
  created_before: Type.Optional(TimestampInput('Only items created before this time')),
}
