import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp, type TestUser } from '../helpers/app.js'

let t: TestApp
let admin: TestUser
beforeAll(async () => {
  t = await createTestApp()
  admin = await t.make.admin()
})
afterAll(() => t.close())

type State = 'live' | 'archived' | 'purged'
const Command = fc.record({
  op: fc.constantFrom('archive', 'restore', 'purge', 'expire', 'patch'),
  user: fc.nat({ max: 3 }),
})

/**
 * Any sequence of deletes, restores, purges (now or by expiry) and updates over a few users: after
 * it, no live read or list ever shows an archived or purged user, the archive shows exactly the
 * archived ones, and purged ids answer 410.
 */
describe('no live endpoint ever returns an archived or purged row', () => {
  it('holds for random sequences of archive operations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(Command, { minLength: 1, maxLength: 10 }), async (commands) => {
        const users = await Promise.all([0, 1, 2, 3].map(() => t.make.user()))
        const ids = users.map((u) => u.user.id)
        const state: State[] = ['live', 'live', 'live', 'live']
        const as = { headers: admin.auth }
        for (const { op, user } of commands) {
          const id = ids[user]!
          const url = `/api/v1/users/${id}`
          if (op === 'archive') await t.app.inject({ method: 'DELETE', url, ...as })
          if (op === 'restore') await t.app.inject({ method: 'POST', url: `${url}/deleted`, ...as })
          if (op === 'purge') await t.app.inject({ method: 'DELETE', url: `${url}/deleted`, ...as })
          if (op === 'patch') await t.app.inject({ method: 'PATCH', url, payload: { address: 'x' }, ...as })
          if (op === 'expire') {
            await t.db
              .updateTable('users')
              .set({ purge_at: new Date(0) })
              .where('id', '=', id)
              .where('deleted_at', 'is not', null)
              .execute()
            await t.archive().purgeExpired({ batchSize: 100 })
          }
          const s = state[user]!
          if (op === 'archive' && s === 'live') state[user] = 'archived'
          if (op === 'restore' && s === 'archived') state[user] = 'live'
          if ((op === 'purge' || op === 'expire') && s === 'archived') state[user] = 'purged'
        }

        const expected = { live: 200, archived: 404, purged: 410 } as const
        for (const [i, id] of ids.entries()) {
          const read = await t.app.inject({ url: `/api/v1/users/${id}`, ...as })
          expect(read.statusCode).toBe(expected[state[i]!])
        }
        const inList = async (url: string) => {
          const res = await t.app.inject({ url, ...as })
          return (res.json().results as { id: number }[]).map((u) => u.id).filter((id) => ids.includes(id))
        }
        const withState = (wanted: State) => ids.filter((_, i) => state[i] === wanted).sort((a, b) => a - b)
        expect(
          (await inList(`/api/v1/users?page_size=100&since_id=${Math.min(...ids) - 1}`)).sort(
            (a, b) => a - b,
          ),
        ).toEqual(withState('live'))
        expect(
          (await inList('/api/v1/users/deleted?page_size=100&ordering=-id')).sort((a, b) => a - b),
        ).toEqual(withState('archived'))
        for (const filter of ['search=kara', 'last_name=Karamazov', `max_id=${Math.max(...ids) + 1}`]) {
          const live = await inList(`/api/v1/users?page_size=100&${filter}`)
          expect(live.every((id) => state[ids.indexOf(id)] === 'live')).toBe(true)
        }
      }),
      { numRuns: 12 },
    )
  })
})

type DocState = { state: State; batch: number | null }
const DocCommand = fc.record({
  op: fc.constantFrom('archive', 'restore', 'purge', 'archive-user', 'restore-user', 'purge-user'),
  doc: fc.nat({ max: 2 }),
})

/**
 * The same for documents and their owner: deleting the user archives their live documents in one
 * batch, restoring the user restores exactly that batch, a document cannot be restored while its
 * owner is archived, purging the user purges every document. After any sequence, reads by id and by
 * alias, the lists and the alias lists agree with that model.
 */
describe('documents follow their owner through the archive', () => {
  it('holds for random sequences of archive operations on a user and their documents', async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(DocCommand, { minLength: 1, maxLength: 10 }), async (commands) => {
        run++
        const owner = await t.make.user()
        const aliases = [0, 1, 2].map((i) => `prop-${process.pid}-${run}-${i}`)
        const docs = await Promise.all(aliases.map((a) => t.make.document(owner, { aliases: [a] })))
        const user: DocState = { state: 'live', batch: null }
        const state: DocState[] = docs.map(() => ({ state: 'live', batch: null }))
        let batches = 0
        const as = { headers: admin.auth }
        const userUrl = `/api/v1/users/${owner.user.id}`
        for (const { op, doc } of commands) {
          const url = `/api/v1/documents/${docs[doc]!.id}`
          const d = state[doc]!
          if (op === 'archive') {
            await t.app.inject({ method: 'DELETE', url, ...as })
            if (d.state === 'live') Object.assign(d, { state: 'archived', batch: ++batches })
          }
          if (op === 'restore') {
            await t.app.inject({ method: 'POST', url: `${url}/deleted`, ...as })
            if (d.state === 'archived' && user.state === 'live')
              Object.assign(d, { state: 'live', batch: null })
          }
          if (op === 'purge') {
            await t.app.inject({ method: 'DELETE', url: `${url}/deleted`, ...as })
            if (d.state === 'archived') Object.assign(d, { state: 'purged', batch: null })
          }
          if (op === 'archive-user') {
            await t.app.inject({ method: 'DELETE', url: userUrl, ...as })
            if (user.state === 'live') {
              Object.assign(user, { state: 'archived', batch: ++batches })
              for (const s of state)
                if (s.state === 'live') Object.assign(s, { state: 'archived', batch: user.batch })
            }
          }
          if (op === 'restore-user') {
            await t.app.inject({ method: 'POST', url: `${userUrl}/deleted`, ...as })
            if (user.state === 'archived') {
              for (const s of state)
                if (s.batch === user.batch) Object.assign(s, { state: 'live', batch: null })
              Object.assign(user, { state: 'live', batch: null })
            }
          }
          if (op === 'purge-user') {
            await t.app.inject({ method: 'DELETE', url: `${userUrl}/deleted`, ...as })
            if (user.state === 'archived') {
              user.state = 'purged'
              for (const s of state) Object.assign(s, { state: 'purged', batch: null })
            }
          }
        }

        const expected = { live: 200, archived: 404, purged: 410 } as const
        for (const [i, doc] of docs.entries()) {
          const byId = await t.app.inject({ url: `/api/v1/documents/${doc.id}`, ...as })
          expect(byId.statusCode).toBe(expected[state[i]!.state])
          const byAlias = await t.app.inject({ url: `/api/v1/documents/${aliases[i]}`, ...as })
          expect(byAlias.statusCode).toBe(state[i]!.state === 'live' ? 200 : 404)
        }
        const sorted = (values: unknown[]) => values.map(String).sort()
        const pick = async (url: string, key: 'id' | 'alias') => {
          const res = await t.app.inject({ url, ...as })
          return sorted((res.json().results as Record<string, unknown>[]).map((r) => r[key]))
        }
        const where = (wanted: State) => state.flatMap((s, i) => (s.state === wanted ? [i] : []))
        const idsIn = (wanted: State) => sorted(where(wanted).map((i) => docs[i]!.id))
        const aliasesIn = (wanted: State) => sorted(where(wanted).map((i) => aliases[i]))
        const q = `owner_id=${owner.user.id}&page_size=100`
        expect(await pick(`/api/v1/documents?${q}`, 'id')).toEqual(idsIn('live'))
        expect(await pick(`/api/v1/documents/aliases?${q}`, 'alias')).toEqual(aliasesIn('live'))
        expect(await pick(`/api/v1/documents/deleted/aliases?${q}`, 'alias')).toEqual(aliasesIn('archived'))
        const ours = new Set(docs.map((d) => String(d.id)))
        const archive = await pick('/api/v1/documents/deleted?page_size=100&ordering=-id', 'id')
        expect(archive.filter((id) => ours.has(id))).toEqual(idsIn('archived'))
      }),
      { numRuns: 12 },
    )
  })
})
