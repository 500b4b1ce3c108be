import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordChanges, SYSTEM } from '../../src/platform/changes/changes.js'
import { backend, createTestApp, PUBLIC_URL, type TestApp, type TestUser } from '../helpers/app.js'

let t: TestApp
let admin: TestUser
beforeAll(async () => {
  t = await createTestApp()
  admin = await t.make.admin()
})
afterAll(() => t.close())

interface ChangeBody {
  sequence: number
  time: string
  actor_id: number | null
  request_id: string | null
  resource_type: string
  resource_id: number
  action: string
  before: Record<string, unknown> | null
  after: Record<string, unknown> | null
  deletion_id: string | null
}

const trail = async (type: string, id: number, auth = admin.auth) => {
  const res = await t.app.inject({ url: `/api/v1/${type}/${id}/events`, headers: auth })
  expect(res.statusCode, res.body).toBe(200)
  return res.json<{ results: ChangeBody[] }>().results
}
const feed = async (query: string) => {
  const res = await t.app.inject({ url: `/api/v1/events?${query}`, headers: admin.auth })
  expect(res.statusCode, res.body).toBe(200)
  return res.json<{ next: string | null; results: ChangeBody[] }>()
}

describe(`the change log (${backend})`, () => {
  it('records every action on a user, in order, with actor, request id, before and after', async () => {
    const user = await t.make.user({ first_name: 'Anna' })
    const id = user.user.id
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${id}`,
      headers: { ...user.auth, 'x-request-id': 'req-rename-1' },
      payload: { first_name: 'Anya', password: 'a-new-Secret-pw' },
    })
    expect(patch.statusCode).toBe(200)
    const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/users/${id}`, headers: admin.auth })
    const deletionId = (
      await t.db.selectFrom('users').select('deletion_id').where('id', '=', id).executeTakeFirst()
    )?.deletion_id
    expect(del.statusCode).toBe(200)
    const restore = await t.app.inject({
      method: 'POST',
      url: `/api/v1/users/${id}/deleted`,
      headers: admin.auth,
    })
    expect(restore.statusCode).toBe(201)

    const records = await trail('users', id)
    expect(records.map((r) => r.action)).toEqual(['created', 'updated', 'deleted', 'restored'])
    const [created, updated, deleted, restored] = records as [ChangeBody, ChangeBody, ChangeBody, ChangeBody]
    // Sign-up is anonymous: no actor, but the request is named.
    expect(created).toMatchObject({ actor_id: null, resource_type: 'users', resource_id: id, before: null })
    expect(created.request_id).toEqual(expect.any(String))
    expect(created.after).toMatchObject({ id, first_name: 'Anna', email: user.email })
    expect(updated).toMatchObject({
      actor_id: id,
      request_id: 'req-rename-1',
      before: { first_name: 'Anna' },
      after: { first_name: 'Anya' },
    })
    expect(deleted).toMatchObject({ actor_id: admin.user.id, deletion_id: deletionId })
    expect(deleted.before).toMatchObject({ deleted_at: null })
    expect(deleted.after).toMatchObject({ deleted_by: admin.user.id, deletion_id: deletionId })
    expect(restored).toMatchObject({
      deletion_id: deletionId,
      after: { deleted_at: null, first_name: 'Anya' },
    })
    expect(records.map((r) => r.sequence)).toEqual([...records.map((r) => r.sequence)].sort((a, b) => a - b))
  })

  it('records every action on a document: create, update, aliases, delete, restore, purge', async () => {
    const owner = await t.make.user()
    const doc = await t.make.document(owner, { title: 'Plan', aliases: ['plan-a'] })
    const url = `/api/v1/documents/${doc.id}`
    const ok = async (method: 'PATCH' | 'PUT' | 'DELETE' | 'POST', path: string, payload?: object) => {
      const res = await t.app.inject({ method, url: path, headers: owner.auth, ...(payload && { payload }) })
      expect(res.statusCode, res.body).toBeLessThan(300)
    }
    await ok('PATCH', url, { title: 'Plan B' })
    await ok('PUT', `${url}/aliases/plan-b`)
    await ok('PUT', `${url}/aliases/plan-b`) // idempotent: no change, no record
    await ok('DELETE', `${url}/aliases/plan-a`)
    await ok('DELETE', url)
    await ok('POST', `${url}/deleted`)
    await ok('DELETE', url)

    const records = (await feed(`resource_type=documents&resource_id=${doc.id}`)).results
    expect(records.map((r) => r.action)).toEqual([
      'created',
      'updated',
      'updated',
      'updated',
      'deleted',
      'restored',
      'deleted',
    ])
    expect(records.every((r) => r.actor_id === owner.user.id)).toBe(true)
    expect(records[0]?.after).toMatchObject({ title: 'Plan', aliases: ['plan-a'], owner_id: owner.user.id })
    expect(records[1]).toMatchObject({ before: { title: 'Plan' }, after: { title: 'Plan B' } })
    expect(records[2]).toMatchObject({
      before: { aliases: ['plan-a'] },
      after: { aliases: ['plan-a', 'plan-b'] },
    })
    expect(records[3]).toMatchObject({ after: { aliases: ['plan-b'] } })
    // The delete's before is the document as it was: one version earlier, not archived.
    const deleted = records[4]!
    expect(deleted.before).toMatchObject({
      deleted_at: null,
      version: (deleted.after?.version as number) - 1,
    })

    // Purged, the document's data leaves the log: the records stay, redacted.
    await ok('DELETE', `${url}/deleted`)
    const after = (await feed(`resource_type=documents&resource_id=${doc.id}`)).results
    expect(after.map((r) => r.action)).toEqual([...records.map((r) => r.action), 'purged'])
    expect(JSON.stringify(after)).not.toMatch(/Plan|plan-a/)
  })

  it('records a write of thousands of items in one transaction (the parameter limit is chunked)', async () => {
    const many = Array.from({ length: 8000 }, (_, i) => ({
      type: 'users',
      id: 1_000_000 + i,
      owner: 1_000_000 + i,
      action: 'updated' as const,
      after: { id: 1_000_000 + i },
    }))
    const sequences = await t.db.transaction().execute((tx) => recordChanges(tx, SYSTEM, many))
    expect(sequences).toHaveLength(8000)
    expect(sequences.every((s, i) => i === 0 || s === (sequences[i - 1] as number) + 1)).toBe(true)
    await t.db.deleteFrom('changes').where('resource_id', '>=', 1_000_000).execute()
  })

  it('a user delete records the cascade under one deletion id, and the restore brings back that batch', async () => {
    const owner = await t.make.user()
    const docs = [await t.make.document(owner), await t.make.document(owner)]
    const start = (await feed('page_size=1000')).results.at(-1)?.sequence ?? 0
    await t.app.inject({ method: 'DELETE', url: `/api/v1/users/${owner.user.id}`, headers: admin.auth })
    await t.app.inject({ method: 'POST', url: `/api/v1/users/${owner.user.id}/deleted`, headers: admin.auth })
    const records = (await feed(`after=${start}`)).results
    const key = (r: ChangeBody) => `${r.action} ${r.resource_type}/${r.resource_id}`
    expect(records.map(key)).toEqual([
      `deleted users/${owner.user.id}`,
      ...docs.map((d) => `deleted documents/${d.id}`),
      `restored users/${owner.user.id}`,
      ...docs.map((d) => `restored documents/${d.id}`),
    ])
    expect(new Set(records.map((r) => r.deletion_id)).size).toBe(1)
    expect(records[0]?.deletion_id).toEqual(expect.any(String))
  })

  it('purging a user erases their documents from the change log too', async () => {
    const owner = await t.make.user()
    const doc = await t.make.document(owner, { title: 'Diary', content: 'Dear diary, a secret' })
    await t.app.inject({ method: 'DELETE', url: `/api/v1/users/${owner.user.id}`, headers: admin.auth })
    const purge = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/users/${owner.user.id}/deleted`,
      headers: admin.auth,
    })
    expect(purge.statusCode).toBe(204)
    const records = (await feed(`resource_type=documents&resource_id=${doc.id}`)).results
    expect(records.map((r) => r.action)).toEqual(['created', 'deleted', 'purged'])
    expect(JSON.stringify(records)).not.toMatch(/Diary|Dear diary/)
  })

  it('never records a password, its hash or a token, in any field', async () => {
    const user = await t.make.user()
    await t.app.inject({
      method: 'PUT',
      url: `/api/v1/users/${user.user.id}`,
      headers: user.auth,
      payload: { email: user.email, first_name: 'P', last_name: 'Q', password: 'another-Secret-pw-42' },
    })
    const rows = await t.db.selectFrom('changes').selectAll().execute()
    const text = JSON.stringify(rows)
    expect(text).not.toMatch(/password|argon2|another-Secret-pw-42|cus_/i)
    expect(text).not.toContain(user.password)
  })

  it('leaves no record for a write that failed', async () => {
    const a = await t.make.user()
    const b = await t.make.user()
    const before = await feed('page_size=1000')
    const clash = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${a.user.id}`,
      headers: a.auth,
      payload: { email: b.email },
    })
    expect(clash.statusCode).toBe(409)
    const stale = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${a.user.id}`,
      headers: { ...a.auth, 'if-match': '"v999"' },
      payload: { first_name: 'Nope' },
    })
    expect(stale.statusCode).toBe(412)
    const last = before.results.at(-1)?.sequence ?? 0
    expect((await feed(`after=${last}`)).results).toEqual([])
  })

  it('GET /events: ascending, resumable with after, filterable, admins only', async () => {
    const a = await t.make.user()
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${a.user.id}`,
      headers: a.auth,
      payload: { last_name: 'Feed' },
    })
    const all = (await feed('page_size=1000')).results
    const sequences = all.map((r) => r.sequence)
    expect(sequences).toEqual([...sequences].sort((x, y) => x - y))
    expect(new Set(sequences).size).toBe(sequences.length)

    // Two at a time from the start reaches the same records, following `next`.
    const paged: number[] = []
    let url: string | null = `${PUBLIC_URL}/api/v1/events?page_size=2`
    while (url) {
      const page: { next: string | null; results: ChangeBody[] } = (
        await t.app.inject({ url: url.replace(PUBLIC_URL, ''), headers: admin.auth })
      ).json()
      paged.push(...page.results.map((r) => r.sequence))
      url = page.next
    }
    expect(paged).toEqual(sequences)

    const resumed = await feed(`after=${sequences.at(-3)}`)
    expect(resumed.results.map((r) => r.sequence)).toEqual(sequences.slice(-2))
    const mine = await feed(`resource_type=users&resource_id=${a.user.id}`)
    expect(mine.results.map((r) => r.action)).toEqual(['created', 'updated'])

    const forbidden = await t.app.inject({ url: '/api/v1/events', headers: a.auth })
    expect(forbidden.statusCode).toBe(403)
    expect((await t.app.inject({ url: '/api/v1/events' })).statusCode).toBe(401)
    const noType = await t.app.inject({ url: '/api/v1/events?resource_id=1', headers: admin.auth })
    expect(noType.statusCode).toBe(400)
  })

  it('GET /{type}/{id}/events: the owner or an admin; others 404; archived 404 archived; purged 410', async () => {
    const owner = await t.make.user()
    const other = await t.make.user()
    const url = `/api/v1/users/${owner.user.id}/events`
    expect((await trail('users', owner.user.id, owner.auth)).map((r) => r.action)).toEqual(['created'])
    const stranger = await t.app.inject({ url, headers: other.auth })
    expect(stranger.statusCode).toBe(404)
    expect(stranger.json().code).toBe('not_found')

    await t.app.inject({ method: 'DELETE', url: `/api/v1/users/${owner.user.id}`, headers: admin.auth })
    const hidden = await t.app.inject({ url, headers: admin.auth })
    expect(hidden.statusCode).toBe(404)
    expect(hidden.json().code).toBe('archived')
    await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/users/${owner.user.id}/deleted`,
      headers: admin.auth,
    })
    expect((await t.app.inject({ url, headers: admin.auth })).statusCode).toBe(410)
  })

  it('purging a user erases their data from the records about them, and records the purge', async () => {
    const user = await t.make.user({ first_name: 'Erasable', address: 'Secret Street 1' })
    const id = user.user.id
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${id}`,
      headers: user.auth,
      payload: { last_name: 'Gone' },
    })
    await t.app.inject({ method: 'DELETE', url: `/api/v1/users/${id}`, headers: admin.auth })
    const purge = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/users/${id}/deleted`,
      headers: admin.auth,
    })
    expect(purge.statusCode).toBe(204)

    const records = (await feed(`resource_type=users&resource_id=${id}`)).results
    expect(records.map((r) => r.action)).toEqual(['created', 'updated', 'deleted', 'purged'])
    const text = JSON.stringify(records)
    expect(text).not.toContain('Erasable')
    expect(text).not.toContain('Secret Street')
    expect(text).not.toContain(user.email)
    expect(records[0]?.after).toEqual({ id, redacted: true })
    expect(records.at(-1)).toMatchObject({
      action: 'purged',
      actor_id: admin.user.id,
      before: null,
      after: null,
    })
  })

  it('a reader tailing the feed with `after` misses nothing while writes commit concurrently', async () => {
    // Sequence order is commit order (migration 0004): a tail that resumes after the last sequence it
    // saw can never skip a change that commits later with a lower number. Meaningful on PostgreSQL,
    // where the writes overlap.
    const users = await Promise.all(Array.from({ length: 8 }, () => t.make.user()))
    const start = (await feed('page_size=1000')).results.at(-1)?.sequence ?? 0
    const seen: number[] = []
    let writing = true
    const tail = (async () => {
      let after = start
      for (;;) {
        const done = !writing
        const { results } = await feed(`after=${after}&page_size=1000`)
        for (const r of results) seen.push(r.sequence)
        after = results.at(-1)?.sequence ?? after
        if (done && results.length === 0) break
        await new Promise((resolve) => setTimeout(resolve, 2))
      }
    })()
    await Promise.all(
      users.flatMap((u) =>
        Array.from({ length: 10 }, (_, i) =>
          t.app.inject({
            method: 'PATCH',
            url: `/api/v1/users/${u.user.id}`,
            headers: u.auth,
            payload: { last_name: `Tail ${i}` },
          }),
        ),
      ),
    )
    writing = false
    await tail
    const committed = (await feed(`after=${start}&page_size=1000`)).results.map((r) => r.sequence)
    expect(committed).toHaveLength(80)
    expect(seen).toEqual(committed)
  })

  it('the purge job records each purge, as the system, and erases the users it purges', async () => {
    const user = await t.make.user({ first_name: 'Expiring' })
    const id = user.user.id
    await t.app.inject({ method: 'DELETE', url: `/api/v1/users/${id}`, headers: admin.auth })
    await t.archive().purgeExpired({ batchSize: 10, now: new Date(Date.now() + 400 * 86_400_000) })
    const records = (await feed(`resource_type=users&resource_id=${id}`)).results
    expect(records.at(-1)).toMatchObject({ action: 'purged', actor_id: null, request_id: null })
    expect(JSON.stringify(records)).not.toContain('Expiring')
  })
})
