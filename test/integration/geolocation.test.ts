import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp, type TestUser, uniqueEmail } from '../helpers/app.js'

const SWISS_V4 = '195.186.1.1'
const SWISS_V6 = '2a02:1200::1'
const FRENCH = '90.0.0.1'

const body = (overrides: Record<string, unknown> = {}) => ({
  email: uniqueEmail('geo'),
  password: 'geo-Password-1',
  first_name: 'Heidi',
  last_name: 'Alp',
  ...overrides,
})

describe('sign-up gate (offline database)', () => {
  let t: TestApp
  let admin: TestUser
  beforeAll(async () => {
    t = await createTestApp({ GEO_ALLOW_UNKNOWN: 'false' })
    admin = await t.make.admin()
  })
  afterAll(() => t.close())

  /** A sign-up from `remoteAddress` (the socket), optionally behind X-Forwarded-For. */
  const signUp = (remoteAddress: string, forwardedFor?: string, payload: object = body()) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      remoteAddress,
      headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
      payload,
    })

  it('admits a Swiss IPv4 or IPv6 client and records the country, which lists can filter on', async () => {
    const v4 = await signUp(SWISS_V4)
    expect(v4.statusCode).toBe(201)
    expect(v4.json().country).toBe('CH')
    const v6 = await signUp(SWISS_V6)
    expect(v6.statusCode).toBe(201)
    expect(v6.json().country).toBe('CH')
    const mapped = await signUp(`::ffff:${SWISS_V4}`)
    expect(mapped.statusCode).toBe(201)
    expect(mapped.json().country).toBe('CH')
    const swiss = await t.app.inject({ url: '/api/v1/users?country=CH&page_size=100', headers: admin.auth })
    expect(swiss.json().results.map((u: { id: number }) => u.id)).toEqual(
      expect.arrayContaining([v4.json().id, v6.json().id, mapped.json().id]),
    )
  })

  it('admits a Swiss client behind the trusted local proxy (X-Forwarded-For from loopback)', async () => {
    const res = await signUp('127.0.0.1', SWISS_V4)
    expect(res.statusCode).toBe(201)
    expect(res.json().country).toBe('CH')
  })

  it('refuses a French client with 403 geo_blocked and the original message', async () => {
    const res = await signUp(FRENCH)
    expect(res.statusCode).toBe(403)
    expect(res.headers['content-type']).toBe('application/problem+json')
    expect(res.json()).toMatchObject({
      code: 'geo_blocked',
      detail: 'Only users located in Switzerland can be created (remote address in France)',
    })
  })

  it('does not let an untrusted peer claim to be in Switzerland with X-Forwarded-For', async () => {
    const res = await signUp(FRENCH, SWISS_V4)
    expect(res.statusCode).toBe(403)
    expect(res.json().detail).toContain('(remote address in France)')
  })

  it('refuses garbage in the forwarded header, and loopback itself, without a 500', async () => {
    for (const header of ['garbage', '999.1.1.1', ', ,', `${SWISS_V4}garbage`, '']) {
      const res = await signUp('127.0.0.1', header)
      expect(res.statusCode, header).toBe(403)
      expect(res.json().detail, header).toContain('unknown location')
    }
  })

  it('tells a loopback client it could not be located, and about TRUST_PROXY and GEO_ALLOW_UNKNOWN', async () => {
    const res = await signUp('127.0.0.1')
    expect(res.statusCode).toBe(403)
    expect(res.json()).toMatchObject({
      code: 'geo_blocked',
      detail: expect.stringMatching(
        /^Only users located in Switzerland can be created \(remote address in an unknown location\)\. The address 127\.0\.0\.1 could not be located: .*TRUST_PROXY.*X-Forwarded-For.*GEO_ALLOW_UNKNOWN=true/,
      ),
    })
  })

  it('validates the body before the gate: an invalid sign-up is a 400 from anywhere', async () => {
    const res = await signUp(FRENCH, undefined, { email: 'nope' })
    expect(res.statusCode).toBe(400)
  })

  it('lets admins create users from anywhere', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      remoteAddress: FRENCH,
      headers: admin.auth,
      payload: body(),
    })
    expect(res.statusCode).toBe(201)
    expect(res.json().country).toBeNull()
  })

  it('counts lookups by outcome in /metrics', async () => {
    const metrics = await t.app.inject({ url: '/metrics' })
    expect(metrics.statusCode).toBe(200)
    const count = (outcome: string) =>
      Number(
        new RegExp(`custodian_geo_lookups_total\\{outcome="${outcome}"\\} (\\d+)`).exec(metrics.body)?.[1],
      )
    expect(count('allowed')).toBeGreaterThanOrEqual(4)
    expect(count('blocked')).toBeGreaterThanOrEqual(2)
    expect(count('unknown')).toBeGreaterThanOrEqual(5)
    expect(count('failed')).toBe(0)
  })
})

describe('sign-up gate when the provider is down', () => {
  let t: TestApp
  beforeAll(async () => {
    // ipapi at an address where nothing listens: every lookup fails.
    t = await createTestApp({
      GEO_ALLOW_UNKNOWN: 'false',
      GEO_PROVIDER: 'ipapi',
      IPAPI_URL: 'http://127.0.0.1:9',
      GEO_TIMEOUT_MS: '500',
    })
  })
  afterAll(() => t.close())

  it('fails closed: 503 geo_unavailable with Retry-After, and no user is created', async () => {
    const payload = body()
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/users', remoteAddress: SWISS_V4, payload })
    expect(res.statusCode).toBe(503)
    expect(res.json().code).toBe('geo_unavailable')
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
    const rows = await t.db.selectFrom('users').select('id').where('email', '=', payload.email).execute()
    expect(rows).toEqual([])
    const metrics = (await t.app.inject({ url: '/metrics' })).body
    expect(metrics).toMatch(/custodian_geo_lookups_total\{outcome="failed"\} 1\b/)
  })
})
