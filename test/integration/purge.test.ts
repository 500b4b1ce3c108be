import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/database.js'
import type { ArchiveHook } from '../../src/platform/archive/archive.js'
import { startPeriodic } from '../../src/platform/jobs.js'
import { backend, createTestApp, type TestApp, type TestUser } from '../helpers/app.js'

let t: TestApp
let admin: TestUser
beforeAll(async () => {
  t = await createTestApp()
  admin = await t.make.admin()
})
afterAll(() => t.close())

/** Archives `n` new users through the API, then moves their purge date `days` from now. */
async function archivedUsers(n: number, days: number): Promise<number[]> {
  const ids: number[] = []
  for (let i = 0; i < n; i++) {
    const { user } = await t.make.user()
    const res = await t.app.inject({ method: 'DELETE', url: `/api/v1/users/${user.id}`, headers: admin.auth })
    expect(res.statusCode).toBe(200)
    ids.push(user.id)
  }
  await t.db
    .updateTable('users')
    .set({ purge_at: new Date(Date.now() + days * 86_400_000) })
    .where('id', 'in', ids)
    .execute()
  return ids
}

const remaining = async (ids: number[]) =>
  (await t.db.selectFrom('users').select('id').where('id', 'in', ids).execute()).map((r) => r.id)

describe(`purging expired archive items (${backend})`, () => {
  it('purges only what is past purge_at, in batches, leaving tombstones and running erasure hooks', async () => {
    const expired = await archivedUsers(5, -1)
    const kept = await archivedUsers(2, 1)
    const erased: number[] = []
    const observe: ArchiveHook = { during: async (_tx, event) => void erased.push(...event.ids) }
    const result = await t.archive([observe]).purgeExpired({ batchSize: 2 })
    expect(result.purged.users).toBe(5)
    expect(result.batches).toBe(3)
    expect(await remaining(expired)).toEqual([])
    expect((await remaining(kept)).sort()).toEqual([...kept].sort())
    expect(erased.sort()).toEqual([...expired].sort())
    const gone = await t.app.inject({ url: `/api/v1/users/${expired[0]}`, headers: admin.auth })
    expect(gone.statusCode).toBe(410)
    // Nothing left to do: a second run purges nothing.
    expect((await t.archive().purgeExpired({ batchSize: 2 })).purged.users).toBe(0)
  })

  it('purges expired documents, and an expired user with all their documents, each tombstoned and erased', async () => {
    const owner = await t.make.user()
    const [expiring, staying] = [await t.make.document(owner), await t.make.document(owner)]
    for (const doc of [expiring, staying]) {
      const res = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/documents/${doc.id}`,
        headers: owner.auth,
      })
      expect(res.statusCode).toBe(200)
    }
    await t.db
      .updateTable('documents')
      .set({ purge_at: new Date(Date.now() - 1000) })
      .where('id', '=', expiring.id)
      .execute()
    const erased: string[] = []
    const archive = t.archive([
      { during: async (_tx, event) => void erased.push(...event.ids.map((id) => `${event.type}/${id}`)) },
    ])
    const first = await archive.purgeExpired({ batchSize: 10 })
    expect(first.purged.documents).toBe(1)
    expect(erased).toEqual([`documents/${expiring.id}`])

    // The owner expires: their other document goes with them although its own purge_at is a month away.
    const live = await t.make.document(owner)
    const application = await t.make.application(owner)
    await t.app.inject({ method: 'DELETE', url: `/api/v1/users/${owner.user.id}`, headers: admin.auth })
    await t.db
      .updateTable('users')
      .set({ purge_at: new Date(Date.now() - 1000) })
      .where('id', '=', owner.user.id)
      .execute()
    erased.length = 0
    const second = await archive.purgeExpired({ batchSize: 10 })
    expect(second.purged).toEqual({ users: 1, documents: 2, applications: 1, leads: 0 })
    expect(erased.sort()).toEqual(
      [
        `documents/${live.id}`,
        `documents/${staying.id}`,
        `applications/${application.id}`,
        `users/${owner.user.id}`,
      ].sort(),
    )
    expect(
      (await t.app.inject({ url: `/api/v1/applications/${application.id}`, headers: admin.auth })).statusCode,
    ).toBe(410)
    for (const id of [expiring.id, staying.id, live.id]) {
      const res = await t.app.inject({ url: `/api/v1/documents/${id}`, headers: admin.auth })
      expect(res.statusCode).toBe(410)
    }
  })

  it('two instances purging at once share the work: every row purged once, no errors', async () => {
    const expired = await archivedUsers(30, -1)
    // A second instance: its own connection pool to the same database (PGlite has one session).
    const other = t.database.url ? await openDatabase({ kind: 'postgres', url: t.database.url }) : null
    try {
      const [a, b] = await Promise.all([
        t.archive().purgeExpired({ batchSize: 4 }),
        t.archive([], other?.db).purgeExpired({ batchSize: 4 }),
      ])
      expect(a.purged.users + b.purged.users).toBe(expired.length)
      expect(await remaining(expired)).toEqual([])
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM tombstones WHERE resource_type = 'users' AND resource_id = ANY(${sql.val(expired)}::bigint[])`.execute(
        t.db,
      )
      expect(rows[0]?.n).toBe(expired.length)
    } finally {
      await other?.close()
    }
  })

  it('the scheduled job runs on its interval and stops cleanly, waiting for a run in progress', async () => {
    const expired = await archivedUsers(2, -1)
    let runs = 0
    const job = startPeriodic(
      async () => {
        runs++
        await t.archive().purgeExpired({ batchSize: 10 })
      },
      { intervalMs: 50, onError: (error) => expect.unreachable(String(error)) },
    )
    await new Promise((resolve) => setTimeout(resolve, 400))
    await job.stop()
    const after = runs
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(runs).toBe(after)
    expect(runs).toBeGreaterThan(1)
    expect(await remaining(expired)).toEqual([])
  })
})
