import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { type DatabaseHandle, migrateToLatest, openDatabase } from '../../src/db/database.js'
import { postgresBin, privatePostgres } from '../helpers/private-postgres.js'

type Pg = Awaited<ReturnType<typeof privatePostgres>>
let pg: Pg
let database: DatabaseHandle
let app: App
let base: string

const skip = postgresBin() === null && process.env.CI !== 'true'

beforeAll(async () => {
  if (skip) return
  pg = await privatePostgres()
  database = await openDatabase({ kind: 'postgres', url: pg.url })
  await migrateToLatest(database.db)
  const config = loadConfig({
    DATABASE_URL: pg.url,
    LOG_LEVEL: process.env.DEBUG_FAULTS ? 'error' : 'silent',
    GEO_ALLOW_UNKNOWN: 'true',
    RATE_LIMIT_MAX: '1000000',
    RATE_LIMIT_CREDENTIALS_MAX: '1000000',
  })
  app = await buildApp({ config, database })
  base = await app.listen({ port: 0, host: '127.0.0.1' })
}, 120_000)

afterAll(async () => {
  if (skip) return
  await app?.close()
  await database?.close()
  await pg?.close()
})

interface Outcome {
  path?: string
  at: number
  ms: number
  status: number
  code?: string
  retryAfter?: string | null
}

describe.skipIf(skip)('PostgreSQL restarted under load', () => {
  it('answers 503 problems with Retry-After while it is down, never a 500 or a hang, and recovers within 5 s', async () => {
    const json = { 'content-type': 'application/json' }
    const signUp = await fetch(`${base}/api/v1/users`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        email: 'load@example.ch',
        password: 'a-long-password',
        first_name: 'L',
        last_name: 'D',
      }),
    })
    const user = (await signUp.json()) as { id: number }
    const token = (
      (await (
        await fetch(`${base}/api/v1/tokens`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ email: 'load@example.ch', password: 'a-long-password' }),
        })
      ).json()) as { token: string }
    ).token
    const auth = { authorization: `Bearer ${token}` }

    const outcomes: Outcome[] = []
    let running = true
    const call = async (path: string, init: RequestInit = {}) => {
      const start = Date.now()
      // A request that never answers is recorded as status 0: a hang.
      const res = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(15_000) }).catch(
        () => null,
      )
      if (!res) {
        outcomes.push({
          at: start,
          ms: Date.now() - start,
          status: 0,
          code: `no answer: ${init.method ?? 'GET'} ${path}`,
        })
        return
      }
      const body = (await res.json().catch(() => ({}))) as { code?: string }
      outcomes.push({
        path: `${init.method ?? 'GET'} ${path}`,
        at: start,
        ms: Date.now() - start,
        status: res.status,
        code: body.code,
        retryAfter: res.headers.get('retry-after'),
      })
    }
    const worker = async (i: number) => {
      while (running) {
        await call(`/api/v1/users/${user.id}`, { headers: auth })
        await call('/api/v1/documents', {
          method: 'POST',
          headers: { ...auth, ...json },
          body: JSON.stringify({ title: `Load ${i}`, content: 'x' }),
        })
      }
    }
    const workers = [0, 1, 2, 3].map(worker)

    await new Promise((r) => setTimeout(r, 1000))
    await pg.stop()
    const downAt = Date.now()
    await new Promise((r) => setTimeout(r, 1500))
    const ready = await fetch(`${base}/ready`)
    expect(ready.status).toBe(503)
    expect(await ready.json()).toMatchObject({ status: 'fail' })
    await pg.start()
    const upAt = Date.now()
    await new Promise((r) => setTimeout(r, 6000))
    running = false
    await Promise.all(workers)

    if (process.env.DEBUG_FAULTS)
      console.log(
        outcomes.map((o) => `${o.at - downAt} ${o.ms}ms ${o.status} ${o.code ?? ''} ${o.path}`).join('\n'),
        upAt - downAt,
      )
    const during = outcomes.filter((o) => o.at >= downAt && o.at < upAt)
    expect(during.length).toBeGreaterThan(0)
    // Every answer is a success or a 503 problem to retry: no 500, no other error, no hang.
    const unexpected = outcomes.filter((o) => ![200, 201, 503].includes(o.status))
    expect(unexpected).toEqual([])
    for (const o of outcomes.filter((x) => x.status === 503)) {
      expect(o.code).toBe('service_unavailable')
      expect(o.retryAfter).toBe('2')
    }
    expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(10_000)
    expect(during.some((o) => o.status === 503)).toBe(true)
    // Back: the first success after the restart comes within 5 s, and the end of the run is all successes.
    const firstSuccess = outcomes.find((o) => o.at >= upAt && o.status < 300)
    expect(firstSuccess).toBeDefined()
    expect((firstSuccess?.at ?? Number.POSITIVE_INFINITY) + (firstSuccess?.ms ?? 0) - upAt).toBeLessThan(5000)
    const tail = outcomes.filter((o) => o.at >= upAt + 5000)
    expect(tail.length).toBeGreaterThan(0)
    expect(tail.every((o) => o.status < 300)).toBe(true)
    expect((await fetch(`${base}/ready`)).status).toBe(200)
  }, 60_000)
})
