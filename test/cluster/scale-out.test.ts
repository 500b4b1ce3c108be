import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAdmin } from '../../src/modules/users/admin-bootstrap.js'
import { usersRepository } from '../../src/modules/users/users.repository.js'
import { passwords } from '../../src/platform/auth/passwords.js'
import { type Cluster, startTestCluster, type TestCluster } from '../helpers/cluster.js'

/**
 * Three instances on one PostgreSQL, RabbitMQ and Redis behind HAProxy (test/helpers/cluster.ts): what
 * stateless instances must share, they share — rate limits, the one relay, the purge job, revocations.
 */

const RATE_LIMIT = 150
const ADMIN = { email: 'cluster-admin@example.ch', password: 'cluster-admin-Secret' }
let database: TestCluster['database']
let consumer: TestCluster['consumer']
let cluster: Cluster
let running: TestCluster | undefined

beforeAll(async () => {
  running = await startTestCluster(
    {
      RATE_LIMIT_MAX: String(RATE_LIMIT),
      RATE_LIMIT_CREDENTIALS_MAX: '1000',
      PURGE_INTERVAL_SECONDS: '1',
      TOKEN_CACHE_SECONDS: '60',
    },
    (db) => createAdmin({ db, repo: usersRepository, passwords }, ADMIN),
  )
  ;({ database, consumer, cluster } = running)
}, 180_000)

afterAll(async () => {
  await running?.close()
})

const json = { 'content-type': 'application/json' }

async function call(base: string, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { ...(body !== undefined && json), ...(token && { authorization: `Bearer ${token}` }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null }
}

async function signIn(email: string, password: string) {
  const res = await call(cluster.base, 'POST', '/tokens', undefined, { email, password })
  if (res.status !== 201) throw new Error(`sign-in ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.token as string
}

let serial = 0
async function newUser() {
  const email = `member${++serial}@example.ch`
  const password = 'a-member-Secret'
  const res = await call(cluster.base, 'POST', '/users', undefined, {
    email,
    password,
    first_name: 'M',
    last_name: String(serial),
  })
  if (res.status !== 201) throw new Error(`sign-up ${res.status} ${JSON.stringify(res.body)}`)
  return { id: res.body.id as number, token: await signIn(email, password) }
}

/** A gauge or counter of one instance's /metrics, summed over its label sets. */
async function metric(base: string, name: string) {
  const text = await (await fetch(`${base}/metrics`)).text()
  return text
    .split('\n')
    .filter((line) => line.startsWith(name) && /^[a-z_]+(\{[^}]*\})? /.test(line))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0)
}

async function until<T>(check: () => Promise<T | null | undefined | false>, what: string, ms = 20_000) {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('three instances behind HAProxy', () => {
  it('share one rate limit per client: RateLimit-Remaining counts down across instances, then 429', async () => {
    const user = await newUser()
    const remaining: number[] = []
    for (let i = 0; i < RATE_LIMIT; i++) {
      const res = await call(cluster.base, 'GET', `/users/${user.id}`, user.token)
      expect(res.status).toBe(200)
      remaining.push(Number(res.headers.get('ratelimit-remaining')))
    }
    // One counter for all three instances: 149, 148, …, 0 whichever instance answered.
    expect(remaining).toEqual(Array.from({ length: RATE_LIMIT }, (_, i) => RATE_LIMIT - 1 - i))
    const refused = await call(cluster.base, 'GET', `/users/${user.id}`, user.token)
    expect(refused.status).toBe(429)
    expect(refused.body).toMatchObject({ code: 'rate_limited' })
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
    // Round-robin: every instance answered part of them.
    for (const instance of cluster.instances)
      expect(
        await metric(instance.base, 'custodian_http_requests_total{method="GET",route="/api/v1/users/:id"'),
      ).toBeGreaterThan(RATE_LIMIT / 6)
  })

  it('a token revoked through one instance stops working on every instance within 1 s', async () => {
    const user = await newUser()
    // Each instance has looked the token up and cached it (TOKEN_CACHE_SECONDS=60).
    for (const instance of cluster.instances)
      expect((await call(instance.base, 'GET', `/users/${user.id}`, user.token)).status).toBe(200)
    const [first, ...others] = cluster.instances
    const revoked = Date.now()
    expect((await call(first?.base ?? '', 'DELETE', '/tokens/current', user.token)).status).toBe(204)
    const elapsed = await Promise.all(
      others.map((instance) =>
        until(async () => {
          const res = await call(instance.base, 'GET', `/users/${user.id}`, user.token)
          return res.status === 401 && Date.now() - revoked
        }, `${instance.name} refuses the revoked token`),
      ),
    )
    for (const ms of elapsed) expect(ms).toBeLessThanOrEqual(1000)
  })

  it('exactly one instance relays; when it is killed another takes over and nothing is lost', async () => {
    const leaders = async () =>
      Promise.all(cluster.instances.map((i) => metric(i.base, 'custodian_relay_leader').catch(() => 0)))
    const roles = await until(async () => {
      const r = await leaders()
      return r.reduce((a, b) => a + b, 0) === 1 && r
    }, 'one relay leads')
    const leader = cluster.instances[roles.indexOf(1)]
    if (!leader) throw new Error('no leader')
    const admin = await signIn(ADMIN.email, ADMIN.password)
    await leader.kill()
    try {
      const user = await newUser()
      // The standbys try the lock every 2 s: one of the two left takes over.
      await until(async () => {
        const r = await leaders()
        return r.reduce((a, b) => a + b, 0) === 1
      }, 'another instance relays')
      const event = await until(
        async () => consumer.received.find((r) => r.event.subject === `users/${user.id}`),
        'the sign-up after the kill is published',
      )
      expect(event.event.type).toBe('custodian.user.created')
      expect((await call(cluster.base, 'GET', `/users/${user.id}`, admin)).status).toBe(200)
    } finally {
      await leader.start()
    }
    expect((await leaders()).reduce((a, b) => a + b, 0)).toBe(1)
  })

  it('the purge job runs in every instance and purges each expired item once', async () => {
    const user = await newUser()
    const ids: number[] = []
    for (let i = 0; i < 24; i++) {
      const res = await call(cluster.base, 'POST', '/documents', user.token, {
        title: `Old ${i}`,
        content: 'x',
      })
      expect(res.status).toBe(201)
      ids.push(res.body.id)
    }
    for (const id of ids)
      expect((await call(cluster.base, 'DELETE', `/documents/${id}`, user.token)).status).toBeLessThan(300)
    const before = await Promise.all(
      cluster.instances.map((i) => metric(i.base, 'custodian_archive_purged_total{type="documents"}')),
    )
    // Their retention ran out: every instance's job (every second) now competes for them.
    await database.db
      .updateTable('documents')
      .set({ purge_at: new Date(Date.now() - 1000) })
      .where('id', 'in', ids)
      .execute()
    await until(async () => {
      const left = await database.db.selectFrom('documents').select('id').where('id', 'in', ids).execute()
      return left.length === 0
    }, 'every expired document is purged')
    // An instance counts what it purged once its run is over (every type): wait for the counts, then
    // one more interval, in which nothing more may be counted.
    const purgedSince = async () => {
      const after = await Promise.all(
        cluster.instances.map((i) => metric(i.base, 'custodian_archive_purged_total{type="documents"}')),
      )
      return after.reduce((sum, n, i) => sum + n - (before[i] ?? 0), 0)
    }
    await until(async () => (await purgedSince()) >= ids.length, 'the purges are counted')
    await new Promise((r) => setTimeout(r, 1500))
    // Counted once in all: no item purged twice, whichever instances took part.
    expect(await purgedSince()).toBe(ids.length)
    const events = await until(async () => {
      const found = consumer.received.filter(
        (r) =>
          r.event.type === 'custodian.document.purged' && ids.includes(Number(r.event.subject.split('/')[1])),
      )
      return found.length >= ids.length && found
    }, 'every purge is published')
    expect(new Set(events.map((r) => r.event.id)).size).toBe(ids.length)
  })
})
