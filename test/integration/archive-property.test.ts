import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { purgeExpired } from '../../src/platform/archive/purge-job.js'
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
            await purgeExpired(t.db, { batchSize: 100 })
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
