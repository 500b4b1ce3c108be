import type { InjectOptions } from 'fastify'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { openDatabase } from '../../src/db/database.js'
import { hashToken } from '../../src/platform/auth/tokens.service.js'
import { backend, createTestApp, PUBLIC_URL, type TestApp, uniqueEmail } from '../helpers/app.js'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
afterAll(() => t.close())

describe('POST /tokens', () => {
  it('exchanges email and password for a bearer token with an expiry, not cacheable', async () => {
    const me = await t.make.user()
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { email: me.email.toUpperCase(), password: me.password },
    })
    expect(res.statusCode).toBe(201)
    const body = res.json()
    expect(body.token).toMatch(/^cus_[A-Za-z0-9_-]{43}$/) // 256 random bits
    expect(body.token_type).toBe('Bearer')
    const expiresIn = Date.parse(body.expires_at) - Date.now()
    expect(expiresIn).toBeGreaterThan(23 * 3600_000)
    expect(expiresIn).toBeLessThanOrEqual(24 * 3600_000)
    expect(res.headers['cache-control']).toBe('no-store')
  })

  it('answers a wrong password and an unknown email alike: 401 invalid_credentials', async () => {
    const me = await t.make.user()
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { email: me.email, password: 'not-the-password' },
    })
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { email: uniqueEmail('nobody'), password: 'whatever-it-is' },
    })
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401)
      expect(res.json().code).toBe('invalid_credentials')
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/)
    }
    expect(wrong.json().detail).toBe(unknown.json().detail)
  })

  it('stores only the SHA-256 of the token', async () => {
    const me = await t.make.user()
    const rows = await t.db
      .selectFrom('tokens')
      .select('token_hash')
      .where('user_id', '=', me.user.id)
      .execute()
    expect(rows.map((r) => r.token_hash)).toContain(hashToken(me.token))
    const dump = JSON.stringify(await t.db.selectFrom('tokens').selectAll().execute())
    expect(dump).not.toContain(me.token)
  })
})

describe('bearer authentication', () => {
  it('rejects a missing, malformed or unknown token with 401 and a Bearer challenge', async () => {
    const me = await t.make.user()
    const url = `/api/v1/users/${me.user.id}`
    const cases: Record<string, string | undefined> = {
      missing: undefined,
      'not bearer': `Basic ${Buffer.from(`${me.email}:${me.password}`).toString('base64')}`,
      unknown: 'Bearer cus_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      garbage: 'Bearer ☃',
    }
    for (const [name, authorization] of Object.entries(cases)) {
      const res = await t.app.inject({ url, headers: authorization ? { authorization } : {} })
      expect(res.statusCode, name).toBe(401)
      expect(res.headers['www-authenticate'], name).toMatch(/^Bearer/)
      expect(res.headers['content-type'], name).toBe('application/problem+json')
      expect(res.json().code, name).toBe('unauthorized')
    }
  })

  it('an expired token stops working', async () => {
    const me = await t.make.user()
    const token = await t.make.signIn(me.email, me.password)
    await t.db
      .updateTable('tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('token_hash', '=', hashToken(token))
      .execute()
    const res = await t.app.inject({
      url: `/api/v1/users/${me.user.id}`,
      headers: { authorization: `Bearer ${token}` },
    })
    // This token was never used before it expired, so no instance can hold it in its cache.
    expect(res.statusCode).toBe(401)
  })

  it('authenticates before reading the body: no token and a huge body is 401, not 413', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/1',
      payload: { address: 'x'.repeat(2_000_000) },
    })
    expect(res.statusCode).toBe(401)
  })
})

describe('DELETE /tokens/current', () => {
  it('revokes the token used, at once (even though this instance caches tokens), and only that one', async () => {
    const me = await t.make.user()
    const other = await t.make.signIn(me.email, me.password)
    const url = `/api/v1/users/${me.user.id}`
    expect((await t.app.inject({ url, headers: me.auth })).statusCode).toBe(200) // now cached
    const res = await t.app.inject({ method: 'DELETE', url: '/api/v1/tokens/current', headers: me.auth })
    expect(res.statusCode).toBe(204)
    expect((await t.app.inject({ url, headers: me.auth })).statusCode).toBe(401)
    expect((await t.app.inject({ url, headers: { authorization: `Bearer ${other}` } })).statusCode).toBe(200)
    const again = await t.app.inject({ method: 'DELETE', url: '/api/v1/tokens/current', headers: me.auth })
    expect(again.statusCode).toBe(401)
  })
})

describe.skipIf(backend === 'pglite')('several instances (one PostgreSQL)', () => {
  /** Asks `app` with `token` until it answers 401, for at most `ms`; how long that took, or null. */
  async function refusedWithin(app: App, token: string, ms: number): Promise<number | null> {
    const start = Date.now()
    while (Date.now() - start <= ms) {
      const res = await app.inject({ url: '/api/v1/users', headers: { authorization: `Bearer ${token}` } })
      if (res.statusCode === 401) return Date.now() - start
      await new Promise((r) => setTimeout(r, 20))
    }
    return null
  }

  it('a token revoked on one instance stops working on the others within a second, despite their cache', async () => {
    // Another instance: its own pools and its own token cache (TOKEN_CACHE_SECONDS=10) on the same database.
    const config = loadConfig({ PUBLIC_URL, GEO_ALLOW_UNKNOWN: 'true', RATE_LIMIT_MAX: '100000' })
    const database = await openDatabase({ kind: 'postgres', url: t.database.url ?? '' })
    const other = await buildApp({ config, database, logStream: false })
    await other.ready()
    try {
      const me = await t.make.user()
      const second = await t.make.signIn(me.email, me.password)
      const ask = (app: App, token: string) =>
        app.inject({ url: '/api/v1/users', headers: { authorization: `Bearer ${token}` } })
      // Both tokens are now in the other instance's cache.
      expect((await ask(other, me.token)).statusCode).toBe(200)
      expect((await ask(other, second)).statusCode).toBe(200)

      await t.app.inject({ method: 'DELETE', url: '/api/v1/tokens/current', headers: me.auth })
      expect(await refusedWithin(other, me.token, 1000)).not.toBeNull()
      expect((await ask(other, second)).statusCode).toBe(200)

      // A password change revokes the user's other tokens: on every instance too.
      const third = await t.make.signIn(me.email, me.password)
      expect((await ask(other, second)).statusCode).toBe(200)
      await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/users/${me.user.id}`,
        headers: { authorization: `Bearer ${third}` },
        payload: { password: 'a-brand-new-password' },
      })
      expect(await refusedWithin(other, second, 1000)).not.toBeNull()
    } finally {
      await other.close()
      await database.close()
    }
  })
})

describe('secrets never leave', () => {
  it('no password, hash or token appears in any response body, log line or stored column but the hash', async () => {
    const password = 'Very-Secret-Passw0rd!'
    const email = uniqueEmail('secret')
    const bodies: string[] = []
    const send = async (opts: InjectOptions) => {
      const res = await t.app.inject(opts)
      bodies.push(res.body, JSON.stringify(res.headers))
      return res
    }
    const created = await send({
      method: 'POST',
      url: '/api/v1/users',
      payload: { email, password, first_name: 'S', last_name: 'K' },
    })
    const id = created.json().id
    // A duplicate sign-up makes the database raise an error quoting the row's key.
    await send({
      method: 'POST',
      url: '/api/v1/users',
      payload: { email, password, first_name: 'S', last_name: 'K' },
    })
    // The one place a token may appear: the response that issues it, once.
    const issued = await t.app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { email, password } })
    const token = issued.json().token
    const auth = { authorization: `Bearer ${token}` }
    await send({ url: `/api/v1/users/${id}`, headers: auth })
    await send({ url: '/api/v1/users', headers: auth })
    await send({
      method: 'PUT',
      url: `/api/v1/users/${id}`,
      headers: auth,
      payload: { email, first_name: 'S', last_name: 'K', password },
    })
    await send({ method: 'POST', url: '/api/v1/tokens', payload: { email, password: `${password}-wrong` } })

    const stored = await t.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    expect(stored.password_hash).toMatch(/^\$argon2id\$/)
    const everything = [...bodies, ...t.logs].join('\n')
    for (const secret of [password, token, stored.password_hash, hashToken(token)]) {
      expect(everything).not.toContain(secret)
    }
    expect(everything).not.toMatch(/password_hash|"password"/)

    // The only stored trace of the password is its hash; of the token, its SHA-256.
    const { rows } = await sql<{
      dump: string
    }>`SELECT concat_ws(' ', u.*, t.*) AS dump FROM users u LEFT JOIN tokens t ON t.user_id = u.id`.execute(
      t.db,
    )
    const dump = rows.map((r) => r.dump).join('\n')
    expect(dump).not.toContain(password)
    expect(dump).not.toContain(token)
  })
})
