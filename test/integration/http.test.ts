import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp, type TestUser } from '../helpers/app.js'

let t: TestApp
let me: TestUser
beforeAll(async () => {
  t = await createTestApp({ BODY_LIMIT_BYTES: '4096' })
  me = await t.make.user()
})
afterAll(() => t.close())

const problemOf = (res: { headers: Record<string, unknown>; json: () => unknown }) => {
  expect(res.headers['content-type']).toBe('application/problem+json')
  const problem = res.json() as Record<string, unknown>
  expect(problem).toMatchObject({
    type: expect.stringMatching(/^tag:custodian,2026:problem:/),
    title: expect.any(String),
    status: expect.any(Number),
    detail: expect.any(String),
    instance: expect.any(String),
    code: expect.any(String),
    request_id: res.headers['x-request-id'],
  })
  return problem
}

describe('problem details for every error (RFC 9457)', () => {
  it('malformed JSON → 400 malformed_json', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    })
    expect(res.statusCode).toBe(400)
    expect(problemOf(res)).toMatchObject({ code: 'malformed_json', instance: '/api/v1/users' })
  })

  it('an empty JSON body → 400 malformed_json', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { 'content-type': 'application/json' },
      payload: '',
    })
    expect(res.statusCode).toBe(400)
    expect(problemOf(res).code).toBe('malformed_json')
  })

  it('a prototype-poisoning body → 400, never processed', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${me.user.id}`,
      headers: { ...me.auth, 'content-type': 'application/json' },
      payload: '{"__proto__": {"role": "admin"}}',
    })
    expect(res.statusCode).toBe(400)
    problemOf(res)
  })

  it('wrong content type → 415 unsupported_media_type', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { 'content-type': 'text/plain' },
      payload: 'email=a@b.ch',
    })
    expect(res.statusCode).toBe(415)
    expect(problemOf(res).code).toBe('unsupported_media_type')
  })

  it('body over the limit → 413 payload_too_large', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      payload: { email: 'a@b.ch', password: 'x'.repeat(5000), first_name: 'a', last_name: 'b' },
    })
    expect(res.statusCode).toBe(413)
    expect(problemOf(res).code).toBe('payload_too_large')
  })

  it('unknown route → 404 not_found', async () => {
    const res = await t.app.inject({ url: '/api/v1/nothing-here?x=1' })
    expect(res.statusCode).toBe(404)
    expect(problemOf(res)).toMatchObject({ code: 'not_found', instance: '/api/v1/nothing-here' })
  })

  it('wrong method → 405 with Allow', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/api/v1/users' })
    expect(res.statusCode).toBe(405)
    expect(res.headers.allow).toBe('GET, HEAD, POST, OPTIONS')
    expect(problemOf(res).code).toBe('method_not_allowed')
    const item = await t.app.inject({ method: 'POST', url: `/api/v1/users/${me.user.id}` })
    expect(item.statusCode).toBe(405)
    expect(item.headers.allow).toBe('GET, HEAD, PUT, PATCH, DELETE, OPTIONS')
  })

  it('a missing file under a wildcard route (/docs/static/*) → 404, not 405', async () => {
    const missing = await t.app.inject({ url: '/docs/static/no-such-file.js' })
    expect(missing.statusCode).toBe(404)
    expect(missing.headers.allow).toBeUndefined()
    expect(problemOf(missing)).toMatchObject({ code: 'not_found', instance: '/docs/static/no-such-file.js' })
    expect((await t.app.inject({ url: '/docs/static/index.css' })).statusCode).toBe(200)
    const post = await t.app.inject({ method: 'POST', url: '/docs/static/no-such-file.js' })
    expect(post.statusCode).toBe(405)
    expect(post.headers.allow).toBe('GET, HEAD, OPTIONS')
  })

  it('OPTIONS answers 204 with Allow', async () => {
    const res = await t.app.inject({ method: 'OPTIONS', url: '/api/v1/tokens/current' })
    expect(res.statusCode).toBe(204)
    expect(res.headers.allow).toBe('DELETE, OPTIONS')
  })

  it('several invalid fields → one 400 listing all of them', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      payload: { email: 5, address: [] },
    })
    expect(res.statusCode).toBe(400)
    const problem = problemOf(res)
    expect(problem.code).toBe('validation_failed')
    expect((problem.errors as unknown[]).length).toBeGreaterThanOrEqual(5)
  })

  it('input the database cannot take is a 400, never a 500', async () => {
    const cases = [
      {
        method: 'POST' as const,
        url: '/api/v1/users',
        payload: { email: 'nul@example.ch', password: 'long-enough', first_name: 'a\u0000b', last_name: 'x' },
      },
      { method: 'GET' as const, url: '/api/v1/users?search=ab%00c', headers: me.auth },
      { method: 'GET' as const, url: '/api/v1/users?first_name=a%00', headers: me.auth },
      { method: 'GET' as const, url: '/api/v1/users?page=1e300', headers: me.auth },
      { method: 'GET' as const, url: '/api/v1/users?since_id=1e20', headers: me.auth },
      { method: 'GET' as const, url: '/api/v1/users?max_id=99999999999999999999', headers: me.auth },
      { method: 'GET' as const, url: '/api/v1/users/99999999999999999999', headers: me.auth },
      {
        method: 'GET' as const,
        url: `/api/v1/users?ordering=created_at&cursor=${Buffer.from(JSON.stringify({ o: 'created_at', k: ['garbage', 1], d: 'n' })).toString('base64url')}`,
        headers: me.auth,
      },
    ]
    for (const request of cases) {
      const res = await t.app.inject(request)
      expect(res.statusCode, request.url).toBe(400)
      problemOf(res)
    }
  })

  it('a malformed or overlong URL is a problem with a request id too', async () => {
    const bad = await t.app.inject({ url: '/api/v1/users/%zz' })
    expect(bad.statusCode).toBe(400)
    problemOf(bad)
    const long = await t.app.inject({ url: `/api/v1/users/${'9'.repeat(300)}`, headers: me.auth })
    expect(long.statusCode).toBe(414)
    expect(problemOf(long).code).toBe('uri_too_long')
  })

  it('401, 404, 409 are problems too', async () => {
    const unauthorized = await t.app.inject({ url: '/api/v1/users' })
    expect(problemOf(unauthorized)).toMatchObject({ status: 401, code: 'unauthorized' })
    const missing = await t.app.inject({ url: '/api/v1/users/424242', headers: me.auth })
    expect(problemOf(missing)).toMatchObject({ status: 404, code: 'not_found' })
    const taken = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      payload: { email: me.email, password: 'whatever-1', first_name: 'a', last_name: 'b' },
    })
    expect(problemOf(taken)).toMatchObject({ status: 409, code: 'email_taken' })
  })

  it('an unexpected failure → 500 with no internals; the log has them under the same request id', async () => {
    await t.database.close() // the database goes away under the running app
    try {
      const res = await t.app.inject({ url: `/api/v1/users/${me.user.id}`, headers: me.auth })
      expect(res.statusCode).toBe(500)
      const problem = problemOf(res)
      expect(problem.code).toBe('internal_error')
      expect(res.body).not.toMatch(/stack|kysely|pglite|postgres|driver|destroyed/i)
      const line = t.logs.find((l) => l.includes(String(problem.request_id)) && l.includes('"level":50'))
      expect(line).toBeDefined()
    } finally {
      t = await reopen()
    }
  })
})

/** Replaces the test app whose database the 500 test closed. */
async function reopen() {
  const fresh = await createTestApp({ BODY_LIMIT_BYTES: '4096' })
  me = await fresh.make.user()
  await t.app.close()
  return fresh
}

describe('request ids (X-Request-ID)', () => {
  it('echoes a safe incoming id', async () => {
    const res = await t.app.inject({ url: '/health', headers: { 'x-request-id': 'abc-123.DEF_4:5' } })
    expect(res.headers['x-request-id']).toBe('abc-123.DEF_4:5')
  })

  it('replaces an unsafe or overlong id with a generated one', async () => {
    for (const bad of ['has space', 'x'.repeat(129), '<script>', 'é']) {
      const res = await t.app.inject({ url: '/health', headers: { 'x-request-id': bad } })
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    }
  })

  it('writes one log line per request with id, method, route, status, latency and user', async () => {
    const res = await t.app.inject({
      url: `/api/v1/users/${me.user.id}?search=x`,
      headers: { ...me.auth, 'x-request-id': 'log-line-test' },
    })
    expect(res.statusCode).toBe(200)
    const lines = t.logs.map((l) => JSON.parse(l)).filter((l) => l.request_id === 'log-line-test')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({
      method: 'GET',
      route: '/api/v1/users/:id',
      path: `/api/v1/users/${me.user.id}`,
      status: 200,
      latency_ms: expect.any(Number),
      user_id: me.user.id,
    })
  })
})

describe('operations', () => {
  it('/health and /ready answer in health+json', async () => {
    const health = await t.app.inject({ url: '/health' })
    expect(health.statusCode).toBe(200)
    expect(health.headers['content-type']).toMatch(/^application\/health\+json/)
    const ready = await t.app.inject({ url: '/ready' })
    expect(ready.statusCode).toBe(200)
    expect(ready.json()).toMatchObject({ status: 'pass' })
  })

  it('/docs serves Swagger UI and /docs/json the OpenAPI 3.1 document of every route', async () => {
    const ui = await t.app.inject({ url: '/docs/' })
    expect(ui.statusCode).toBe(200)
    expect(ui.headers['content-type']).toMatch(/text\/html/)
    const doc = (await t.app.inject({ url: '/docs/json' })).json()
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/users',
        '/api/v1/users/{id}',
        '/api/v1/tokens',
        '/api/v1/tokens/current',
      ]),
    )
    expect(doc.paths['/api/v1/users/{id}'].get.security).toEqual([{ bearerAuth: [] }])
    expect(doc.paths['/api/v1/tokens'].post.security).toBeUndefined()
  })

  it('sends security headers', async () => {
    const res = await t.app.inject({ url: '/health' })
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['x-frame-options']).toBeDefined()
  })
})
