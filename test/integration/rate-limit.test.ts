import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp, uniqueEmail } from '../helpers/app.js'

const LIMITS = { RATE_LIMIT_MAX: '5', RATE_LIMIT_CREDENTIALS_MAX: '2', RATE_LIMIT_WINDOW_SECONDS: '60' }

describe('rate limits (in-process)', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp(LIMITS)
  })
  afterAll(() => t.close())

  const signIn = (remoteAddress: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      remoteAddress,
      payload: { email: uniqueEmail('nobody'), password: 'irrelevant-1' },
    })

  it('sign-in is limited per IP more strictly; the refusal is a 429 problem with Retry-After', async () => {
    const first = await signIn('10.0.0.1')
    expect(first.statusCode).toBe(401)
    expect(first.headers['ratelimit-limit']).toBe('2')
    expect(first.headers['ratelimit-remaining']).toBe('1')
    expect(first.headers['ratelimit-policy']).toBe('2;w=60')
    expect((await signIn('10.0.0.1')).statusCode).toBe(401)
    const refused = await signIn('10.0.0.1')
    expect(refused.statusCode).toBe(429)
    expect(refused.headers['content-type']).toBe('application/problem+json')
    expect(refused.json()).toMatchObject({ status: 429, code: 'rate_limited' })
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    // Another client is not affected.
    expect((await signIn('10.0.0.2')).statusCode).toBe(401)
  })

  it('counts an authenticated client by user, not by address', async () => {
    const me = await t.make.user().catch(() => null)
    // make.user signs up and in from the default inject address, which the credential limit allows twice.
    expect(me).not.toBeNull()
    const read = (remoteAddress: string) =>
      t.app.inject({ url: `/api/v1/users/${me!.user.id}`, headers: me!.auth, remoteAddress })
    const statuses = []
    for (const address of ['10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4', '10.1.0.5', '10.1.0.6']) {
      statuses.push((await read(address)).statusCode)
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429])
  })

  it('counts guessed tokens against the IP, so token guessing is limited too', async () => {
    const guess = () =>
      t.app.inject({
        url: '/api/v1/users/1',
        remoteAddress: '10.3.0.1',
        headers: { authorization: `Bearer cus_${Math.random().toString(36).slice(2).padEnd(43, 'x')}` },
      })
    const statuses = []
    for (let i = 0; i < 6; i++) statuses.push((await guess()).statusCode)
    expect(statuses).toEqual([401, 401, 429, 429, 429, 429])
  })

  it('believes X-Forwarded-For only from a trusted proxy (TRUST_PROXY, loopback by default)', async () => {
    const signInVia = (remoteAddress: string, forwardedFor: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        remoteAddress,
        headers: { 'x-forwarded-for': forwardedFor },
        payload: { email: uniqueEmail('nobody'), password: 'irrelevant-1' },
      })
    // Through the local proxy, each client has its own limit.
    for (const client of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
      expect((await signInVia('127.0.0.1', client)).statusCode).toBe(401)
    }
    // An untrusted peer cannot pose as other clients: all its requests are its own.
    const statuses = []
    for (const claimed of ['192.0.2.10', '192.0.2.11', '192.0.2.12'])
      statuses.push((await signInVia('10.4.0.1', claimed)).statusCode)
    expect(statuses).toEqual([401, 401, 429])
  })

  it('counts an IPv6 client by its /64, so fresh addresses from one network share a limit', async () => {
    const statuses = []
    for (const host of ['1', '2', 'abcd:1', 'ffff:ffff:ffff']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        remoteAddress: `2001:db8:aa:bb::${host}`,
        payload: { email: uniqueEmail('nobody'), password: 'irrelevant-1' },
      })
      statuses.push(res.statusCode)
    }
    expect(statuses).toEqual([401, 401, 429, 429])
  })

  it('a 429 names the setting that sets its limit', async () => {
    const detailOfRefusal = async (request: () => Promise<{ statusCode: number; json: () => unknown }>) => {
      for (let i = 0; i < 10; i++) {
        const res = await request()
        if (res.statusCode === 429) return (res.json() as { detail: string }).detail
      }
      throw new Error('never refused')
    }
    const general = await detailOfRefusal(() =>
      t.app.inject({ url: '/api/v1/users', remoteAddress: '10.5.0.1' }),
    )
    expect(general).toMatch(
      /^Too many requests: the limit is 5 per 60 s for each client \(RATE_LIMIT_MAX, RATE_LIMIT_WINDOW_SECONDS\)\. Retry in /,
    )
    const signUp = await detailOfRefusal(() =>
      t.app.inject({ method: 'POST', url: '/api/v1/users', remoteAddress: '10.5.0.2', payload: {} }),
    )
    expect(signUp).toContain(
      'the limit is 2 per 60 s for each client (RATE_LIMIT_CREDENTIALS_MAX, RATE_LIMIT_WINDOW_SECONDS)',
    )
    const signIn = await detailOfRefusal(() =>
      t.app.inject({ method: 'POST', url: '/api/v1/tokens', remoteAddress: '10.5.0.3', payload: {} }),
    )
    expect(signIn).toContain('(RATE_LIMIT_CREDENTIALS_MAX, RATE_LIMIT_WINDOW_SECONDS)')
    const guesses = await detailOfRefusal(() =>
      t.app.inject({
        url: '/api/v1/archive/policy',
        remoteAddress: '10.5.0.4',
        headers: { authorization: `Bearer cus_${'x'.repeat(43)}` },
      }),
    )
    expect(guesses).toContain('the limit is 2 a minute (RATE_LIMIT_CREDENTIALS_MAX)')
  })

  it('never limits /health and /ready', async () => {
    for (let i = 0; i < 8; i++)
      expect((await t.app.inject({ url: '/health', remoteAddress: '10.2.0.1' })).statusCode).toBe(200)
  })
})

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

async function redisAvailable(): Promise<boolean> {
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000 })
  try {
    await probe.connect()
    await probe.ping()
    return true
  } catch {
    return false
  } finally {
    probe.disconnect()
  }
}

// Redis runs on CI and on the project's machines; a laptop without it skips this block, visibly.
const redisUp = await redisAvailable()
if (!redisUp && process.env.CI === 'true') throw new Error(`CI=true and Redis is unreachable at ${redisUrl}`)

describe.skipIf(!redisUp)(`rate limits shared through Redis (${redisUrl})`, () => {
  let a: TestApp
  let b: TestApp
  beforeAll(async () => {
    // Two instances: counters in Redis are shared; a unique window keeps runs from seeing each other.
    const env = {
      ...LIMITS,
      RATE_LIMIT_WINDOW_SECONDS: String(600 + Math.floor(Math.random() * 1000)),
      REDIS_URL: redisUrl,
    }
    a = await createTestApp(env)
    b = await createTestApp(env)
  })
  afterAll(async () => {
    await a.close()
    await b.close()
  })

  it('a client refused by one instance is refused by the other', async () => {
    const address = `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`
    const signIn = (t: TestApp) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        remoteAddress: address,
        payload: { email: uniqueEmail('nobody'), password: 'irrelevant-1' },
      })
    expect((await signIn(a)).statusCode).toBe(401)
    expect((await signIn(b)).statusCode).toBe(401)
    expect((await signIn(a)).statusCode).toBe(429)
    expect((await signIn(b)).statusCode).toBe(429)
  })
})
