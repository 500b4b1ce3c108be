import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp, type TestUser, uniqueEmail } from '../helpers/app.js'

/** Signing in to an account that was deleted (archived) and can still be restored (issue 13, item 7). */
let t: TestApp
let admin: TestUser
beforeAll(async () => {
  t = await createTestApp()
  admin = await t.make.admin()
})
afterAll(() => t.close())

const signIn = (email: string, password: string) =>
  t.app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { email, password } })

/** A user who deleted their own account, and the archived representation the delete answered. */
async function selfDeleted() {
  const me = await t.make.user()
  const res = await t.app.inject({ method: 'DELETE', url: `/api/v1/users/${me.user.id}`, headers: me.auth })
  expect(res.statusCode).toBe(200)
  return { me, archived: res.json<{ deleted_at: string; purge_at: string }>() }
}

describe('signing in to an archived account', () => {
  it('with the right password: 403 account_archived, until when and how it can be restored', async () => {
    const { me, archived } = await selfDeleted()
    const res = await signIn(me.email, me.password)
    expect(res.statusCode).toBe(403)
    expect(res.headers['content-type']).toBe('application/problem+json')
    const problem = res.json()
    expect(problem).toMatchObject({
      code: 'account_archived',
      user_id: me.user.id,
      deleted_at: archived.deleted_at,
      purge_at: archived.purge_at,
    })
    expect(problem.detail).toContain(archived.purge_at)
    expect(problem.detail).toMatch(/administrator can restore it/)
    expect(problem.detail).toContain(`POST /api/v1/users/${me.user.id}/deleted`)
    expect(problem).not.toHaveProperty('token')
  })

  it('with a wrong password: exactly what an unknown email gets', async () => {
    const { me } = await selfDeleted()
    const wrong = await signIn(me.email, 'not-the-password')
    const unknown = await signIn(uniqueEmail('nobody'), 'not-the-password')
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401)
      expect(res.headers['www-authenticate']).toBe(unknown.headers['www-authenticate'])
    }
    const { request_id: _a, ...wrongBody } = wrong.json()
    const { request_id: _b, ...unknownBody } = unknown.json()
    expect(wrongBody).toEqual(unknownBody)
    expect(wrongBody.code).toBe('invalid_credentials')
  })

  it('signs in again once an admin restores the account, and never once it is purged', async () => {
    const { me } = await selfDeleted()
    const restored = await t.app.inject({
      method: 'POST',
      url: `/api/v1/users/${me.user.id}/deleted`,
      headers: admin.auth,
    })
    expect(restored.statusCode).toBe(201)
    expect((await signIn(me.email, me.password)).statusCode).toBe(201)

    const { me: other } = await selfDeleted()
    const purged = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/users/${other.user.id}/deleted`,
      headers: admin.auth,
    })
    expect(purged.statusCode).toBe(204)
    const res = await signIn(other.email, other.password)
    expect(res.statusCode).toBe(401)
    expect(res.json().code).toBe('invalid_credentials')
  })
})
