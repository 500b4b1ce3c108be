import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backend, createTestApp, type TestApp } from '../helpers/app.js'

/**
 * Every operation of the OpenAPI document, exercised with generated requests: parameters and bodies
 * drawn from their schemas (so most requests get past validation and reach the services and the
 * database) mixed with arbitrary JSON and text, odd headers, and three callers (an admin, a user, no
 * one). Whatever is sent, the answer is never a 5xx, and every error is a problem with its code and
 * request id.
 */

// biome-ignore lint/suspicious/noExplicitAny: JSON schemas as the OpenAPI document holds them
type Schema = any

interface Operation {
  method: string
  path: string
  parameters: { name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema: Schema }[]
  body: Schema | null
}

const RUNS_PER_OPERATION = 12
// The stream answers until the client hangs up; it is tested on its own (events-stream.test.ts).
const SKIPPED = new Set(['get /api/v1/events/stream'])

let t: TestApp
let operations: Operation[]
let components: Record<string, Schema>
beforeAll(async () => {
  t = await createTestApp()
  // Validators compile on first use; this test uses them all, so compile them here, outside its timing.
  t.app.compileSchemas()
  const spec = t.app.swagger() as {
    paths: Record<string, Record<string, { parameters?: Operation['parameters']; requestBody?: Schema }>>
    components: { schemas: Record<string, Schema> }
  }
  components = spec.components.schemas
  operations = Object.entries(spec.paths)
    .filter(([path]) => path.startsWith('/api/v1/'))
    .flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        body: op.requestBody?.content?.['application/json']?.schema ?? null,
      })),
    )
    .filter((op) => !SKIPPED.has(`${op.method.toLowerCase()} ${op.path}`))
})
afterAll(() => t.close())

const junk = fc.oneof(
  fc.jsonValue(),
  fc.string(),
  fc.constantFrom('', ' ', '0', '-1', '1e309', '99999999999999999999', 'null', '%00', '\u0000', 'é', '../'),
)

/** Values that fit `schema`, as far as a generator easily can; `depth` bounds recursion. */
function fitting(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return junk
  if (schema.$ref) return fitting(components[String(schema.$ref).split('/').pop() ?? ''], depth + 1)
  if (schema.const !== undefined) return fc.constant(schema.const)
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum)
  const union = schema.anyOf ?? schema.oneOf
  if (Array.isArray(union)) return fc.oneof(...union.map((s: Schema) => fitting(s, depth + 1)))
  switch (schema.type) {
    case 'integer':
      return fc.integer({
        min: Math.max(schema.minimum ?? -1000, -1e6),
        max: Math.min(schema.maximum ?? 1_000_000, 1e6),
      })
    case 'number':
      return fc.double({ noNaN: true, min: -1e6, max: 1e6 })
    case 'boolean':
      return fc.boolean()
    case 'null':
      return fc.constant(null)
    case 'array':
      return fc.array(fitting(schema.items, depth + 1), { maxLength: Math.min(schema.maxItems ?? 3, 3) })
    case 'object': {
      const properties = Object.entries((schema.properties ?? {}) as Record<string, Schema>)
      const required = new Set<string>(schema.required ?? [])
      return fc.record(Object.fromEntries(properties.map(([name, s]) => [name, fitting(s, depth + 1)])), {
        requiredKeys: properties.map(([name]) => name).filter((name) => required.has(name)),
      })
    }
    case 'string': {
      if (schema.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString())
      if (schema.format === 'email') return fc.emailAddress()
      if (schema.format === 'uri') return fc.webUrl()
      if (schema.pattern) {
        // fast-check cannot generate from every regular expression (lookaheads): then any string.
        try {
          return fc.stringMatching(new RegExp(schema.pattern))
        } catch {
          return fc.string({ maxLength: 40 })
        }
      }
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) })
    }
    default:
      return junk
  }
}

const text = (v: unknown) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))

/**
 * One request to `op`: half the time every value fits its schema (and path ids name items that exist),
 * so the request reaches the service and the database; otherwise anything may be anywhere.
 */
function requestFor(op: Operation, known: (string | number)[]) {
  return fc.boolean().chain((valid) => {
    const pick = (schema: Schema) => (valid ? fitting(schema) : fc.oneof(fitting(schema), junk))
    const byPlace = (place: string) => op.parameters.filter((p) => p.in === place)
    const pathValue = (schema: Schema) =>
      valid
        ? fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom(...known) },
            { weight: 1, arbitrary: fitting(schema) },
          )
        : pick(schema)
    return fc.record({
      path: fc.record(Object.fromEntries(byPlace('path').map((p) => [p.name, pathValue(p.schema)]))),
      query: fc.record(Object.fromEntries(byPlace('query').map((p) => [p.name, pick(p.schema)])), {
        requiredKeys: [],
      }),
      headers: fc.record(Object.fromEntries(byPlace('header').map((p) => [p.name, pick(p.schema)])), {
        requiredKeys: [],
      }),
      body: op.body ? pick(op.body) : fc.constant(undefined),
      caller: fc.constantFrom('admin', 'admin', 'user', 'none'),
      extra: valid
        ? fc.constant({})
        : fc.record(
            {
              'if-match': fc.constantFrom('"v1"', 'v1', 'W/"v1"', '*', '"v99999999999999999"', '"x"'),
              prefer: fc.constantFrom('return=minimal', 'count=exact', 'count=estimated', 'nonsense'),
              'idempotency-key': fc.oneof(fc.uuid(), fc.string({ maxLength: 300 })),
            },
            { requiredKeys: [] },
          ),
    })
  })
}

describe(`every operation, fuzzed from the OpenAPI document (${backend})`, () => {
  it('never answers 5xx, and answers every error as a problem with its code and request id', async () => {
    expect(operations.length).toBeGreaterThan(40)
    const failures: string[] = []
    const statuses = new Map<number, number>()
    for (const op of operations) {
      // Fresh callers per operation: a generated purge may well erase the previous ones.
      const admin = await t.make.admin()
      const user = await t.make.user()
      const doc = await t.make.document(user)
      const known = [admin.user.id, user.user.id, doc.id]
      await fc.assert(
        fc.asyncProperty(requestFor(op, known), async (r) => {
          const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
            encodeURIComponent(text((r.path as Record<string, unknown>)[name])),
          )
          const query = new URLSearchParams(
            Object.entries(r.query).map(([name, v]) => [name, text(v)] as [string, string]),
          ).toString()
          const auth = r.caller === 'admin' ? admin.auth : r.caller === 'user' ? user.auth : {}
          const headers = Object.fromEntries(
            Object.entries({ ...r.headers, ...r.extra }).map(([name, v]) => [name, text(v)]),
          )
          const res = await t.app.inject({
            method: op.method as 'GET',
            url: `${path}${query ? `?${query}` : ''}`,
            headers: {
              ...headers,
              ...auth,
              ...(r.body !== undefined && { 'content-type': 'application/json' }),
            },
            ...(r.body !== undefined && { payload: JSON.stringify(r.body) }),
          })
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
          const where = `${op.method} ${op.path} → ${res.statusCode}`
          if (res.statusCode >= 500) failures.push(`${where}: ${res.body.slice(0, 300)}`)
          else if (res.statusCode >= 400) {
            const type = String(res.headers['content-type'])
            const problem = type.startsWith('application/problem+json') ? res.json() : null
            if (!problem?.code || !problem?.request_id)
              failures.push(`${where}: not a problem: ${res.body.slice(0, 200)}`)
          }
        }),
        { numRuns: RUNS_PER_OPERATION, seed: 20261202 },
      )
    }
    expect(failures).toEqual([])
    // The generated requests reach the services, not only the validation: successes are common.
    const succeeded = [...statuses].filter(([status]) => status < 300).reduce((n, [, count]) => n + count, 0)
    expect(succeeded).toBeGreaterThan(operations.length)
    if (process.env.DEBUG_FUZZ) console.log(Object.fromEntries(statuses))
  })
})
