import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ArchiveEvent, ArchiveHook } from '../../src/platform/archive/archive.js'
import { createTestApp, type TestApp } from '../helpers/app.js'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
afterAll(() => t.close())

describe('archive hooks', () => {
  it('run inside the purge transaction: a failing hook leaves the item archived, not half erased', async () => {
    const admin = await t.make.admin()
    const actor = { id: admin.user.id, role: 'admin' as const, tokenId: 0, requestId: 'test' }
    const seen: ArchiveEvent[] = []
    const record: ArchiveHook = { during: async (_tx, event) => void seen.push(event) }
    const failing: ArchiveHook = {
      during: async (_tx, event) => {
        if (event.action === 'purged') throw new Error('the change log could not be redacted')
      },
    }

    const victim = await t.make.user()
    const archive = t.archive([record])
    await archive.delete('users', actor, victim.user.id, null)

    await expect(t.archive([failing]).purge('users', actor, victim.user.id)).rejects.toThrow(
      'could not be redacted',
    )
    const still = await t.db
      .selectFrom('users')
      .select('deleted_at')
      .where('id', '=', victim.user.id)
      .executeTakeFirst()
    expect(still?.deleted_at).toBeInstanceOf(Date)

    await archive.purge('users', actor, victim.user.id)
    expect(seen).toEqual([
      { action: 'deleted', type: 'users', ids: [victim.user.id] },
      { action: 'purged', type: 'users', ids: [victim.user.id] },
    ])
  })

  it('purging a user runs them for each of their documents too, children first', async () => {
    const admin = await t.make.admin()
    const actor = { id: admin.user.id, role: 'admin' as const, tokenId: 0, requestId: 'test' }
    const purged: ArchiveEvent[] = []
    const archive = t.archive([
      { during: async (_tx, event) => void (event.action === 'purged' && purged.push(event)) },
    ])
    const victim = await t.make.user()
    const docs = [await t.make.document(victim), await t.make.document(victim)]
    await archive.delete('users', actor, victim.user.id, null)
    await archive.purge('users', actor, victim.user.id)
    expect(purged).toEqual([
      { action: 'purged', type: 'documents', ids: docs.map((d) => d.id) },
      { action: 'purged', type: 'users', ids: [victim.user.id] },
    ])
  })

  it('run after the commit only when it commits', async () => {
    const admin = await t.make.admin()
    const actor = { id: admin.user.id, role: 'admin' as const, tokenId: 0, requestId: 'test' }
    const committed: ArchiveEvent[] = []
    const observe: ArchiveHook = { after: (event) => void committed.push(event) }
    const victim = await t.make.user()
    const doc = await t.make.document(victim)
    await t.archive([observe]).delete('users', actor, victim.user.id, null)
    expect(committed).toEqual([
      { action: 'deleted', type: 'users', ids: [victim.user.id] },
      { action: 'deleted', type: 'documents', ids: [doc.id] },
    ])
    committed.length = 0
    const failing: ArchiveHook = {
      during: async () => {
        throw new Error('refused')
      },
    }
    await expect(t.archive([failing, observe]).restore('users', actor, victim.user.id)).rejects.toThrow(
      'refused',
    )
    expect(committed).toEqual([])
  })
})
