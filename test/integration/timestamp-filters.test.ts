import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Document } from '../../src/modules/documents/documents.schemas.js'
import { createTestApp, type TestApp, type TestUser } from '../helpers/app.js'

/** Every timestamp query parameter of every list, and the field its bound applies to. */
const FILTERS = [
  { list: '/api/v1/users', parameter: 'created_after' },
  { list: '/api/v1/users', parameter: 'created_before' },
  { list: '/api/v1/documents', parameter: 'created_after' },
  { list: '/api/v1/documents', parameter: 'created_before' },
  { list: '/api/v1/users/deleted', parameter: 'deleted_after' },
  { list: '/api/v1/users/deleted', parameter: 'purge_before' },
  { list: '/api/v1/documents/deleted', parameter: 'deleted_after' },
  { list: '/api/v1/documents/deleted', parameter: 'purge_before' },
  ...['created', 'applied', 'status_changed'].flatMap((window) => [
    { list: '/api/v1/applications', parameter: `${window}_after` },
    { list: '/api/v1/applications', parameter: `${window}_before` },
  ]),
  ...['created', 'status_changed'].flatMap((window) => [
    { list: '/api/v1/leads', parameter: `${window}_after` },
    { list: '/api/v1/leads', parameter: `${window}_before` },
  ]),
  { list: '/api/v1/applications/deleted', parameter: 'deleted_after' },
  { list: '/api/v1/leads/deleted', parameter: 'purge_before' },
]

/** RFC 3339 allows these; each used to be a 500 on some list, or is an edge of the range. */
const VALID = [
  '2016-12-31T23:59:60Z', // a leap second
  '2017-01-01T00:59:60+01:00', // the same leap second, in an offset
  '2020-01-01T00:00:00.5+01:00', // a fraction with an offset
  '2020-01-01T00:00:00.123456789Z', // more digits than milliseconds
  '2020-01-01t00:00:00z', // lower case T and Z
  '2020-01-01 00:00:00Z', // a space for T (RFC 3339 §5.6 note)
  '2020-01-01T00:00:00-00:00', // "unknown local offset"
  '0000-01-01T00:00:00Z', // year 0: PostgreSQL has none
  '9999-12-31T23:59:60Z', // past year 9999
]

/** Not RFC 3339: a 400 naming the parameter. */
const INVALID = [
  '2020-01-01T00:00:00+00', // hour-only offset (ISO 8601, not RFC 3339)
  '2020-01-01T00:00:00+0100', // offset without a colon
  '2020-01-01T00:00:00.5+01', // both
  '2020-01-01T00:00:00 01:00', // a "+" sent unencoded in a URL arrives as a space
  '2020-01-01T12:00:60Z', // a leap second is the last second of a UTC day
  '2020-02-30T00:00:00Z',
  '2020-01-01T00:00:00', // no offset
  'yesterday',
]

let t: TestApp
let admin: TestUser
let document: Document
beforeAll(async () => {
  t = await createTestApp()
  admin = await t.make.admin()
  const owner = await t.make.user()
  document = await t.make.document(owner)
  // Something in each archive, so the filters run over rows.
  await t.make
    .document(owner)
    .then((d) => t.app.inject({ method: 'DELETE', url: `/api/v1/documents/${d.id}`, headers: admin.auth }))
  await t.make.application(owner, { status: 'applied', applied_at: '2026-01-05T00:00:00Z' })
  await t.make.lead(owner)
  for (const type of ['applications', 'leads'] as const) {
    const item = type === 'applications' ? await t.make.application(owner) : await t.make.lead(owner)
    await t.app.inject({ method: 'DELETE', url: `/api/v1/${type}/${item.id}`, headers: admin.auth })
  }
  const gone = await t.make.user()
  await t.app.inject({ method: 'DELETE', url: `/api/v1/users/${gone.user.id}`, headers: admin.auth })
})
afterAll(() => t.close())

const list = (url: string, parameter: string, value: string) =>
  t.app.inject({ url: `${url}?${parameter}=${encodeURIComponent(value)}`, headers: admin.auth })

describe('timestamp filters', () => {
  it.each(FILTERS)('$list?$parameter= accepts what RFC 3339 allows', async ({ list: url, parameter }) => {
    for (const value of VALID) {
      const res = await list(url, parameter, value)
      expect(res.statusCode, `${parameter}=${value}: ${res.body}`).toBe(200)
      expect(res.json()).toHaveProperty('results')
    }
  })

  it.each(FILTERS)(
    '$list?$parameter= refuses anything else with a 400 naming it',
    async ({ list: url, parameter }) => {
      for (const value of INVALID) {
        const res = await list(url, parameter, value)
        expect(res.statusCode, `${parameter}=${value}: ${res.body}`).toBe(400)
        expect(res.headers['content-type']).toBe('application/problem+json')
        expect(res.json()).toMatchObject({
          code: 'validation_failed',
          errors: [{ parameter, detail: expect.stringMatching(/RFC 3339.*%2B/) }],
        })
      }
    },
  )

  it('an offset and a fraction name the instant they mean, to the millisecond', async () => {
    // created_at has milliseconds; the same instant written at +05:30, and half a millisecond earlier.
    const created = new Date(document.created_at).getTime()
    const at = (ms: number, fraction = '') => {
      const local = new Date(ms + 330 * 60_000).toISOString().replace('Z', '')
      return `${local}${fraction}+05:30`
    }
    const ids = async (parameter: string, value: string) => {
      const res = await list('/api/v1/documents', parameter, value)
      expect(res.statusCode, res.body).toBe(200)
      return (res.json() as { results: { id: number }[] }).results.map((d) => d.id)
    }
    expect(await ids('created_after', at(created - 1, '5'))).toContain(document.id) // created - 0.5 ms
    expect(await ids('created_after', at(created))).not.toContain(document.id) // bounds are exclusive
    expect(await ids('created_before', at(created + 1))).toContain(document.id)
    expect(await ids('created_before', at(created))).not.toContain(document.id)
  })

  it('a leap second filters like any other instant', async () => {
    // Everything here was created after 2017-01-01T00:00:00Z, and nothing before it.
    const after = await list('/api/v1/users', 'created_after', '2016-12-31T23:59:60Z')
    expect((after.json() as { count: number }).count).toBeGreaterThan(0)
    const before = await list('/api/v1/users', 'created_before', '2016-12-31T23:59:60Z')
    expect(before.json()).toMatchObject({ count: 0 })
  })

  it('every timestamp query parameter in the API uses the shared timestamp input', async () => {
    const doc = (await t.app.inject({ url: '/docs/json' })).json() as {
      paths: Record<
        string,
        Record<string, { parameters?: { name: string; schema: Record<string, unknown> }[] }>
      >
    }
    const timestamps = Object.values(doc.paths)
      .flatMap((operations) => Object.values(operations))
      .flatMap((operation) => operation.parameters ?? [])
      .filter((p) => p.schema.format === 'date-time')
    expect(timestamps.length).toBeGreaterThanOrEqual(FILTERS.length)
    for (const p of timestamps) expect(p.schema, p.name).toHaveProperty('x-timestamp', true)
  })
})
