import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createArchive, type ErasureHook } from '../../src/platform/archive/archive.js'
import { createTestApp, type TestApp } from '../helpers/app.js'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
afterAll(() => t.close())

describe('erasure hooks', () => {
  it('run inside the purge transaction: a failing hook leaves the item archived, not half erased', async () => {
    const admin = await t.make.admin()
    const actor = { id: admin.user.id, role: 'admin' as const, tokenId: 0, requestId: 'test' }
    const erased: { type: string; ids: number[] }[] = []
    const record: ErasureHook = async (_tx, item) => {
      erased.push(item)
    }
    const failing: ErasureHook = async () => {
      throw new Error('the change log could not be redacted')
    }
    const archiveWith = (hooks: ErasureHook[]) =>
      createArchive({
        db: t.db,
        retentionDays: { users: 30, documents: 30 },
        urls: { live: () => '', archive: () => '' },
        erasureHooks: hooks,
      })

    const victim = await t.make.user()
    const archive = archiveWith([record])
    await t.db.transaction().execute((tx) => archive.archive(tx, 'users', actor, victim.user.id, null))

    await expect(
      t.db.transaction().execute((tx) => archiveWith([failing]).purge(tx, 'users', actor, victim.user.id)),
    ).rejects.toThrow('could not be redacted')
    const still = await t.db
      .selectFrom('users')
      .select('deleted_at')
      .where('id', '=', victim.user.id)
      .executeTakeFirst()
    expect(still?.deleted_at).toBeInstanceOf(Date)

    await t.db.transaction().execute((tx) => archive.purge(tx, 'users', actor, victim.user.id))
    expect(erased).toEqual([{ type: 'users', ids: [victim.user.id] }])
  })

  it('purging a user runs them for each of their documents too, children first', async () => {
    const admin = await t.make.admin()
    const actor = { id: admin.user.id, role: 'admin' as const, tokenId: 0, requestId: 'test' }
    const erased: { type: string; ids: number[] }[] = []
    const archive = createArchive({
      db: t.db,
      retentionDays: { users: 30, documents: 30 },
      urls: { live: () => '', archive: () => '' },
      erasureHooks: [async (_tx, items) => void erased.push(items)],
    })
    const victim = await t.make.user()
    const docs = [await t.make.document(victim), await t.make.document(victim)]
    await t.db.transaction().execute((tx) => archive.archive(tx, 'users', actor, victim.user.id, null))
    await t.db.transaction().execute((tx) => archive.purge(tx, 'users', actor, victim.user.id))
    expect(erased).toEqual([
      { type: 'documents', ids: docs.map((d) => d.id) },
      { type: 'users', ids: [victim.user.id] },
    ])
  })
})
