import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { User } from '../../src/modules/users/users.schemas.js'
import { createTestApp, PUBLIC_URL, type TestApp, type TestUser, uniqueEmail } from '../helpers/app.js'

let t: TestApp
let admin: TestUser
beforeAll(async () => {
  t = await createTestApp()
  admin = await t.make.admin()
})
afterAll(() => t.close())

const signUpBody = (overrides: Record<string, unknown> = {}) => ({
  first_name: 'Serge',
  last_name: 'Karamazov',
  email: uniqueEmail('serge'),
  password: 'myP@ssW0ord52',
  address: '',
  ...overrides,
})

describe('POST /users (sign-up)', () => {
  it('creates the user: 201, Location, ETag, representation without any password', async () => {
    const body = signUpBody()
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/users', payload: body })
    expect(res.statusCode).toBe(201)
    const user = res.json<User>()
    expect(user).toEqual({
      url: `${PUBLIC_URL}/api/v1/users/${user.id}`,
      id: expect.any(Number),
      email: body.email,
      first_name: 'Serge',
      last_name: 'Karamazov',
      address: '',
      country: null,
      role: 'user',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updated_at: user.created_at,
    })
    expect(res.headers.location).toBe(user.url)
    expect(res.headers.etag).toMatch(/^"[^"]+"$/)
    expect(res.body).not.toContain('myP@ssW0ord52')
    expect(res.body).not.toContain('password')
  })

  it('defaults the address to empty', async () => {
    const { address: _, ...body } = signUpBody()
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/users', payload: body })
    expect(res.json().address).toBe('')
  })

  it('answers 409 email_taken for an email already used, in any case', async () => {
    const first = signUpBody()
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/users', payload: first })).statusCode).toBe(
      201,
    )
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      payload: signUpBody({ email: first.email.toUpperCase() }),
    })
    expect(res.statusCode).toBe(409)
    expect(res.json()).toMatchObject({ status: 409, code: 'email_taken' })
  })

  it('reports every invalid field at once', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      payload: { email: 'not-an-email', first_name: '', password: 'short', extra: 1 },
    })
    expect(res.statusCode).toBe(400)
    const problem = res.json()
    expect(problem.code).toBe('validation_failed')
    const pointers = problem.errors.map((e: { pointer: string }) => e.pointer).sort()
    expect(pointers).toEqual(['/email', '/extra', '/first_name', '/last_name', '/password'])
  })

  it('takes no numbers for text fields (bodies are not coerced)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      payload: signUpBody({ first_name: 42 }),
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().errors).toEqual([{ pointer: '/first_name', detail: 'must be string' }])
  })

  it('lets only admins choose a role', async () => {
    const asAnyone = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      payload: signUpBody({ role: 'admin' }),
    })
    expect(asAnyone.statusCode).toBe(403)
    expect(asAnyone.json().code).toBe('forbidden')

    const asAdmin = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: admin.auth,
      payload: signUpBody({ role: 'admin' }),
    })
    expect(asAdmin.statusCode).toBe(201)
    expect(asAdmin.json().role).toBe('admin')
  })

  it('honours Prefer: return=minimal with 204, Location and ETag', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { prefer: 'return=minimal' },
      payload: signUpBody(),
    })
    expect(res.statusCode).toBe(204)
    expect(res.body).toBe('')
    expect(res.headers.location).toMatch(/\/api\/v1\/users\/\d+$/)
    expect(res.headers.etag).toBeDefined()
    expect(res.headers['preference-applied']).toBe('return=minimal')
  })
})

describe('GET /users/{id}', () => {
  it('lets a user read themselves, with an ETag, and answers 304 to If-None-Match', async () => {
    const me = await t.make.user()
    const res = await t.app.inject({ url: `/api/v1/users/${me.user.id}`, headers: me.auth })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual(me.user)
    const again = await t.app.inject({
      url: `/api/v1/users/${me.user.id}`,
      headers: { ...me.auth, 'if-none-match': String(res.headers.etag) },
    })
    expect(again.statusCode).toBe(304)
  })

  it('hides other users behind 404 (never 403), and lets an admin read anyone', async () => {
    const [alice, bob] = [await t.make.user(), await t.make.user()]
    const res = await t.app.inject({ url: `/api/v1/users/${bob.user.id}`, headers: alice.auth })
    expect(res.statusCode).toBe(404)
    const missing = await t.app.inject({ url: '/api/v1/users/999999999', headers: alice.auth })
    // A user cannot tell "exists but not yours" from "does not exist".
    expect({ ...res.json(), request_id: null, instance: null }).toEqual({
      ...missing.json(),
      detail: res.json().detail,
      request_id: null,
      instance: null,
    })
    const asAdmin = await t.app.inject({ url: `/api/v1/users/${bob.user.id}`, headers: admin.auth })
    expect(asAdmin.json().email).toBe(bob.email)
  })

  it('requires authentication', async () => {
    const me = await t.make.user()
    const res = await t.app.inject({ url: `/api/v1/users/${me.user.id}` })
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/)
  })

  it('rejects a non-numeric id with 400 naming the parameter', async () => {
    const me = await t.make.user()
    const res = await t.app.inject({ url: '/api/v1/users/abc', headers: me.auth })
    expect(res.statusCode).toBe(400)
    expect(res.json().errors).toEqual([{ parameter: 'id', detail: 'must be integer' }])
  })
})

describe('PUT and PATCH /users/{id}', () => {
  it('PATCH changes only the fields sent and bumps the ETag', async () => {
    const me = await t.make.user({ address: 'Paris' })
    const before = await t.app.inject({ url: `/api/v1/users/${me.user.id}`, headers: me.auth })
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${me.user.id}`,
      headers: { ...me.auth, 'content-type': 'application/merge-patch+json' },
      payload: JSON.stringify({ address: 'NYC' }),
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ ...me.user, address: 'NYC', updated_at: expect.any(String) })
    expect(res.headers.etag).not.toBe(before.headers.etag)
  })

  it('PATCH with null clears the address (merge patch)', async () => {
    const me = await t.make.user({ address: 'Paris' })
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${me.user.id}`,
      headers: me.auth,
      payload: { address: null },
    })
    expect(res.json().address).toBe('')
  })

  it('PUT replaces the writable fields; a missing address becomes empty', async () => {
    const me = await t.make.user({ address: 'Paris' })
    const res = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/users/${me.user.id}`,
      headers: me.auth,
      payload: { email: me.email, first_name: 'Odile', last_name: 'Deray' },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      first_name: 'Odile',
      last_name: 'Deray',
      address: '',
      email: me.email,
    })
  })

  it('PUT without all required fields is a 400 listing them', async () => {
    const me = await t.make.user()
    const res = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/users/${me.user.id}`,
      headers: me.auth,
      payload: { first_name: 'Odile' },
    })
    expect(res.statusCode).toBe(400)
    expect(
      res
        .json()
        .errors.map((e: { pointer: string }) => e.pointer)
        .sort(),
    ).toEqual(['/email', '/last_name'])
  })

  it('a password sent on PUT is changed: the old one stops working, the new one works', async () => {
    const me = await t.make.user()
    const res = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/users/${me.user.id}`,
      headers: me.auth,
      payload: { email: me.email, first_name: 'S', last_name: 'K', password: 'a-new-Secret-1' },
    })
    expect(res.statusCode).toBe(200)
    expect(res.body).not.toContain('a-new-Secret-1')
    const old = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { email: me.email, password: me.password },
    })
    expect(old.statusCode).toBe(401)
    await expect(t.make.signIn(me.email, 'a-new-Secret-1')).resolves.toMatch(/^cus_/)
  })

  it('changing the password revokes the user’s other tokens but keeps the one in use', async () => {
    const me = await t.make.user()
    const other = await t.make.signIn(me.email, me.password)
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${me.user.id}`,
      headers: me.auth,
      payload: { password: 'another-Secret-2' },
    })
    const withCurrent = await t.app.inject({ url: `/api/v1/users/${me.user.id}`, headers: me.auth })
    expect(withCurrent.statusCode).toBe(200)
    const withOther = await t.app.inject({
      url: `/api/v1/users/${me.user.id}`,
      headers: { authorization: `Bearer ${other}` },
    })
    expect(withOther.statusCode).toBe(401)
  })

  it('a user cannot make themselves admin; an admin can promote', async () => {
    const me = await t.make.user()
    const self = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${me.user.id}`,
      headers: me.auth,
      payload: { role: 'admin' },
    })
    expect(self.statusCode).toBe(403)
    // Restating one's own role (a GET-modify-PUT round trip) is fine.
    const same = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${me.user.id}`,
      headers: me.auth,
      payload: { role: 'user' },
    })
    expect(same.statusCode).toBe(200)
    const promoted = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${me.user.id}`,
      headers: admin.auth,
      payload: { role: 'admin' },
    })
    expect(promoted.json().role).toBe('admin')
    // The promotion applies to the user's existing token at once.
    const list = await t.app.inject({ url: '/api/v1/users?page_size=100', headers: me.auth })
    expect(list.json().count).toBeGreaterThan(1)
  })

  it('changing the email to one already taken is a 409 and changes nothing', async () => {
    const [me, other] = [await t.make.user(), await t.make.user()]
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${me.user.id}`,
      headers: me.auth,
      payload: { email: other.email.toUpperCase() },
    })
    expect(res.statusCode).toBe(409)
    expect(res.json().code).toBe('email_taken')
    const after = await t.app.inject({ url: `/api/v1/users/${me.user.id}`, headers: me.auth })
    expect(after.json()).toEqual(me.user)
  })

  it('a user cannot change someone else: 404', async () => {
    const [me, other] = [await t.make.user(), await t.make.user()]
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${other.user.id}`,
      headers: me.auth,
      payload: { address: 'hijacked' },
    })
    expect(res.statusCode).toBe(404)
    const after = await t.app.inject({ url: `/api/v1/users/${other.user.id}`, headers: other.auth })
    expect(after.json().address).toBe('')
  })

  it('returns 204 with an ETag under Prefer: return=minimal', async () => {
    const me = await t.make.user()
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${me.user.id}`,
      headers: { ...me.auth, prefer: 'return=minimal' },
      payload: { address: 'Bern' },
    })
    expect(res.statusCode).toBe(204)
    expect(res.headers.etag).toBeDefined()
  })
})

describe('optimistic concurrency (If-Match)', () => {
  it('a write with the current ETag succeeds; one with a stale ETag gets 412 and changes nothing', async () => {
    const me = await t.make.user()
    const read = await t.app.inject({ url: `/api/v1/users/${me.user.id}`, headers: me.auth })
    const stale = String(read.headers.etag)
    const first = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${me.user.id}`,
      headers: { ...me.auth, 'if-match': stale },
      payload: { address: 'first' },
    })
    expect(first.statusCode).toBe(200)
    const second = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${me.user.id}`,
      headers: { ...me.auth, 'if-match': stale },
      payload: { address: 'second' },
    })
    expect(second.statusCode).toBe(412)
    expect(second.json().code).toBe('precondition_failed')
    const after = await t.app.inject({ url: `/api/v1/users/${me.user.id}`, headers: me.auth })
    expect(after.json().address).toBe('first')
    expect(after.headers.etag).toBe(first.headers.etag)
  })

  it('If-Match: * matches any current version; a weak tag never matches', async () => {
    const me = await t.make.user()
    const any = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${me.user.id}`,
      headers: { ...me.auth, 'if-match': '*' },
      payload: { address: 'x' },
    })
    expect(any.statusCode).toBe(200)
    const weak = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${me.user.id}`,
      headers: { ...me.auth, 'if-match': `W/${any.headers.etag}` },
      payload: { address: 'y' },
    })
    expect(weak.statusCode).toBe(412)
  })

  it('an unknown id is 404 even with a wrong If-Match (404 before 412)', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/999999999',
      headers: { ...admin.auth, 'if-match': '"v1"' },
      payload: { address: 'x' },
    })
    expect(res.statusCode).toBe(404)
  })

  it('DELETE honours If-Match too', async () => {
    const me = await t.make.user()
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/users/${me.user.id}`,
      headers: { ...admin.auth, 'if-match': '"v999"' },
    })
    expect(res.statusCode).toBe(412)
    const still = await t.app.inject({ url: `/api/v1/users/${me.user.id}`, headers: admin.auth })
    expect(still.statusCode).toBe(200)
  })
})

describe('If-Match required by configuration', () => {
  let strict: TestApp
  beforeAll(async () => {
    strict = await createTestApp({ REQUIRE_IF_MATCH: 'true' })
  })
  afterAll(() => strict.close())

  it('answers 428 to a write without If-Match, and accepts one with it', async () => {
    const me = await strict.make.user()
    const without = await strict.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${me.user.id}`,
      headers: me.auth,
      payload: { address: 'x' },
    })
    expect(without.statusCode).toBe(428)
    expect(without.json().code).toBe('precondition_required')
    const read = await strict.app.inject({ url: `/api/v1/users/${me.user.id}`, headers: me.auth })
    const withIt = await strict.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${me.user.id}`,
      headers: { ...me.auth, 'if-match': String(read.headers.etag) },
      payload: { address: 'x' },
    })
    expect(withIt.statusCode).toBe(200)
  })
})

describe('DELETE /users/{id}', () => {
  it('another user cannot delete you: 404, and you still exist', async () => {
    const [me, other] = [await t.make.user(), await t.make.user()]
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/users/${other.user.id}`,
      headers: me.auth,
    })
    expect(res.statusCode).toBe(404)
    expect(
      (await t.app.inject({ url: `/api/v1/users/${other.user.id}`, headers: other.auth })).statusCode,
    ).toBe(200)
  })
})
