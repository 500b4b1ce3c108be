import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, PUBLIC_URL, type TestApp, type TestUser, uniqueEmail } from '../helpers/app.js'

let t: TestApp
let admin: TestUser
beforeAll(async () => {
  t = await createTestApp({ ARCHIVE_RETENTION_DAYS: '30', ARCHIVE_RETENTION_DAYS_USERS: '45' })
  admin = await t.make.admin()
})
afterAll(() => t.close())

const DAY = 86_400_000
const userUrl = (id: number) => `/api/v1/users/${id}`
const archiveUrl = (id: number) => `/api/v1/users/${id}/deleted`

async function archived() {
  const user = await t.make.user()
  const res = await t.app.inject({ method: 'DELETE', url: userUrl(user.user.id), headers: admin.auth })
  expect(res.statusCode).toBe(200)
  return { ...user, deletion: res }
}

describe('DELETE /users/{id} archives', () => {
  it('answers 200 with the archived representation, Content-Location and the archive link', async () => {
    const { user, deletion } = await archived()
    const body = deletion.json()
    expect(body).toMatchObject({
      ...user,
      updated_at: expect.any(String),
      deleted_by: admin.user.id,
      links: { archive: `${PUBLIC_URL}${archiveUrl(user.id)}` },
      cascaded: {},
    })
    // purge_at is fixed at deletion by the per-type retention (45 days for users here).
    expect(Date.parse(body.purge_at) - Date.parse(body.deleted_at)).toBe(45 * DAY)
    expect(deletion.headers['content-location']).toBe(`${PUBLIC_URL}${archiveUrl(user.id)}`)
  })

  it('honours Prefer: return=minimal with 204 and a Link to the archive', async () => {
    const { user } = await t.make.user()
    const res = await t.app.inject({
      method: 'DELETE',
      url: userUrl(user.id),
      headers: { ...admin.auth, prefer: 'return=minimal' },
    })
    expect(res.statusCode).toBe(204)
    expect(res.headers.link).toBe(`<${PUBLIC_URL}${archiveUrl(user.id)}>; rel="archive"`)
  })

  it('lets a user delete themselves; their tokens are revoked (401), and signing in fails (403 account_archived)', async () => {
    const me = await t.make.user()
    const res = await t.app.inject({ method: 'DELETE', url: userUrl(me.user.id), headers: me.auth })
    expect(res.statusCode).toBe(200)
    expect((await t.app.inject({ url: userUrl(me.user.id), headers: me.auth })).statusCode).toBe(401)
    const signIn = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { email: me.email, password: me.password },
    })
    expect(signIn.statusCode).toBe(403)
    expect(signIn.json().code).toBe('account_archived')
  })

  it('makes the live URL answer 404 archived with the archive link, for those who may see it', async () => {
    const { user } = await archived()
    for (const method of ['GET', 'PATCH', 'PUT', 'DELETE'] as const) {
      const res = await t.app.inject({
        method,
        url: userUrl(user.id),
        headers: admin.auth,
        ...(method === 'PATCH' && { payload: { address: 'x' } }),
        ...(method === 'PUT' && { payload: { email: uniqueEmail(), first_name: 'a', last_name: 'b' } }),
      })
      expect(res.statusCode, method).toBe(404)
      expect(res.json(), method).toMatchObject({
        code: 'archived',
        links: { archive: `${PUBLIC_URL}${archiveUrl(user.id)}` },
      })
    }
  })

  it('hides archived users from live lists and filters', async () => {
    const { user, email } = await archived()
    const list = await t.app.inject({
      url: `/api/v1/users?email=${encodeURIComponent(email)}`,
      headers: admin.auth,
    })
    expect(list.json().count).toBe(0)
    const all = await t.app.inject({ url: '/api/v1/users?page_size=100', headers: admin.auth })
    expect(all.json().results.map((u: { id: number }) => u.id)).not.toContain(user.id)
  })

  it('keeps the email reserved: 409 email_taken saying an archived account holds it, linked for admins', async () => {
    const { user, email } = await archived()
    const payload = {
      email: email.toUpperCase(),
      password: 'another-Password1',
      first_name: 'a',
      last_name: 'b',
    }
    const anyone = await t.app.inject({ method: 'POST', url: '/api/v1/users', payload })
    expect(anyone.statusCode).toBe(409)
    expect(anyone.json().code).toBe('email_taken')
    expect(anyone.json().detail).toContain('archived')
    expect(anyone.json().links).toBeUndefined()
    const byAdmin = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: admin.auth, payload })
    expect(byAdmin.json().links).toEqual({ archive: `${PUBLIC_URL}${archiveUrl(user.id)}` })
  })
})

describe('the archive', () => {
  it('GET /users/deleted lists archived users, soonest purge first, and GET /users/{id}/deleted has Sunset', async () => {
    const first = await archived()
    const second = await archived()
    const list = await t.app.inject({ url: '/api/v1/users/deleted?page_size=100', headers: admin.auth })
    expect(list.statusCode).toBe(200)
    const ids = list.json().results.map((u: { id: number }) => u.id)
    expect(ids.indexOf(first.user.id)).toBeLessThan(ids.indexOf(second.user.id))
    const purgeAts = list.json().results.map((u: { purge_at: string }) => u.purge_at)
    expect(purgeAts).toEqual([...purgeAts].sort())
    const item = await t.app.inject({ url: archiveUrl(first.user.id), headers: admin.auth })
    expect(item.statusCode).toBe(200)
    expect(item.headers.sunset).toBe(new Date(item.json().purge_at).toUTCString())
  })

  it('filters the archive by who deleted, when, and what expires before a date', async () => {
    const me = await t.make.user()
    const deleter = await t.app.inject({ method: 'DELETE', url: userUrl(me.user.id), headers: me.auth })
    const deletedAt = deleter.json().deleted_at as string
    const byThemselves = await t.app.inject({
      url: `/api/v1/users/deleted?deleted_by=${me.user.id}`,
      headers: admin.auth,
    })
    expect(byThemselves.json().results.map((u: { id: number }) => u.id)).toEqual([me.user.id])
    const soon = new Date(Date.parse(deletedAt) + 46 * DAY).toISOString()
    const expiring = await t.app.inject({
      url: `/api/v1/users/deleted?page_size=100&purge_before=${encodeURIComponent(soon)}`,
      headers: admin.auth,
    })
    expect(expiring.json().results.map((u: { id: number }) => u.id)).toContain(me.user.id)
    const notYet = await t.app.inject({
      url: `/api/v1/users/deleted?page_size=100&purge_before=${encodeURIComponent(deletedAt)}`,
      headers: admin.auth,
    })
    expect(notYet.json().count).toBe(0)
    const later = await t.app.inject({
      url: `/api/v1/users/deleted?deleted_after=${encodeURIComponent(deletedAt)}`,
      headers: admin.auth,
    })
    expect(later.json().results.map((u: { id: number }) => u.id)).not.toContain(me.user.id)
  })

  it('a live user is not in the archive: 404 at its archive URL', async () => {
    const { user } = await t.make.user()
    expect((await t.app.inject({ url: archiveUrl(user.id), headers: admin.auth })).statusCode).toBe(404)
  })

  it('POST restores: 201, Location = the live URL, the user is live again but their old tokens are not', async () => {
    const { user, auth, email, password } = await archived()
    const res = await t.app.inject({ method: 'POST', url: archiveUrl(user.id), headers: admin.auth })
    expect(res.statusCode).toBe(201)
    expect(res.headers.location).toBe(`${PUBLIC_URL}${userUrl(user.id)}`)
    expect(res.json()).toMatchObject({ id: user.id, email })
    expect(res.json().deleted_at).toBeUndefined()
    expect((await t.app.inject({ url: userUrl(user.id), headers: admin.auth })).statusCode).toBe(200)
    expect((await t.app.inject({ url: userUrl(user.id), headers: auth })).statusCode).toBe(401)
    await expect(t.make.signIn(email, password)).resolves.toMatch(/^cus_/)
  })

  it('restoring or purging a live user is a 409', async () => {
    const { user } = await t.make.user()
    const restore = await t.app.inject({ method: 'POST', url: archiveUrl(user.id), headers: admin.auth })
    expect(restore.statusCode).toBe(409)
    const purge = await t.app.inject({ method: 'DELETE', url: archiveUrl(user.id), headers: admin.auth })
    expect(purge.statusCode).toBe(409)
    expect((await t.app.inject({ url: userUrl(user.id), headers: admin.auth })).statusCode).toBe(200)
  })

  it('DELETE purges now: 204, then 410 Gone everywhere, a tombstone, and the email is free again', async () => {
    const { user, email } = await archived()
    const res = await t.app.inject({ method: 'DELETE', url: archiveUrl(user.id), headers: admin.auth })
    expect(res.statusCode).toBe(204)
    for (const url of [userUrl(user.id), archiveUrl(user.id)]) {
      const gone = await t.app.inject({ url, headers: admin.auth })
      expect(gone.statusCode, url).toBe(410)
      expect(gone.json().code).toBe('gone')
    }
    expect(
      (await t.app.inject({ method: 'POST', url: archiveUrl(user.id), headers: admin.auth })).statusCode,
    ).toBe(410)
    const rows = await t.db.selectFrom('users').select('id').where('id', '=', user.id).execute()
    expect(rows).toEqual([])
    const tombstone = await t.db
      .selectFrom('tombstones')
      .selectAll()
      .where('resource_id', '=', user.id)
      .execute()
    expect(tombstone).toEqual([{ resource_type: 'users', resource_id: user.id, purged_at: expect.any(Date) }])
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      payload: { email, password: 'a-new-Password1', first_name: 'a', last_name: 'b' },
    })
    expect(again.statusCode).toBe(201)
  })

  it('another user sees neither the archive item nor can restore or purge it: 404', async () => {
    const { user } = await archived()
    const other = await t.make.user()
    for (const method of ['GET', 'POST', 'DELETE'] as const) {
      const res = await t.app.inject({ method, url: archiveUrl(user.id), headers: other.auth })
      expect(res.statusCode, method).toBe(404)
    }
    const list = await t.app.inject({ url: '/api/v1/users/deleted', headers: other.auth })
    expect(list.json().results).toEqual([])
  })

  it('GET /archive/policy tells the retention per type', async () => {
    const res = await t.app.inject({ url: '/api/v1/archive/policy', headers: admin.auth })
    expect(res.json()).toEqual({
      retention_days: { users: 45, documents: 30, applications: 30, leads: 30 },
    })
  })
})

describe(`concurrent restore and purge (${process.env.TEST_DB ?? 'pglite'})`, () => {
  it('exactly one wins; the other gets a clean 409 or 410, and the user is never half restored', async () => {
    for (let round = 0; round < 8; round++) {
      const { user } = await archived()
      const [restore, purge] = await Promise.all([
        t.app.inject({ method: 'POST', url: archiveUrl(user.id), headers: admin.auth }),
        t.app.inject({ method: 'DELETE', url: archiveUrl(user.id), headers: admin.auth }),
      ])
      const outcome = [restore.statusCode, purge.statusCode]
      expect([
        [201, 409],
        [410, 204],
      ]).toContainEqual(outcome)
      const row = await t.db
        .selectFrom('users')
        .select(['deleted_at', 'purge_at', 'deletion_id'])
        .where('id', '=', user.id)
        .executeTakeFirst()
      if (restore.statusCode === 201)
        expect(row).toEqual({ deleted_at: null, purge_at: null, deletion_id: null })
      else expect(row).toBeUndefined()
    }
  })
})
