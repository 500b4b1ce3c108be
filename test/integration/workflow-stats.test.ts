import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp, type TestUser } from '../helpers/app.js'

let t: TestApp
let admin: TestUser
beforeAll(async () => {
  t = await createTestApp()
  admin = await t.make.admin()
})
afterAll(() => t.close())

type Type = 'applications' | 'leads'

/**
 * An item of `owner`'s that lived `history` — [status, time] pairs, its creation first — made through
 * the API (the creation, then each move), then dated: the times of its transitions, its creation and
 * its last status change are set to the given ones, so the figures below are exact.
 */
async function lived(owner: TestUser, type: Type, fields: object, history: [string, string][]) {
  const [[start, createdAt], ...moves] = history as [[string, string], ...[string, string][]]
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/${type}`,
    headers: owner.auth,
    payload: { ...fields, status: start },
  })
  expect(res.statusCode, res.body).toBe(201)
  const id = res.json<{ id: number }>().id
  for (const [status] of moves) {
    const move = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/${type}/${id}`,
      headers: owner.auth,
      payload: { status },
    })
    expect(move.statusCode, move.body).toBe(200)
  }
  for (const [status, at] of history)
    await sql`UPDATE workflow_transitions SET at = ${new Date(at)}
      WHERE resource_type = ${type} AND resource_id = ${id} AND to_status = ${status}`.execute(t.db)
  // Each move keeps when the item had entered the status it left: the time before, dated too.
  await sql`UPDATE workflow_transitions m SET from_at = entered.at FROM workflow_transitions entered
    WHERE m.resource_type = ${type} AND m.resource_id = ${id}
      AND entered.resource_type = m.resource_type AND entered.resource_id = m.resource_id
      AND entered.to_status = m.from_status`.execute(t.db)
  const changedAt = new Date(history.at(-1)![1])
  await sql`UPDATE ${sql.table(type)} SET created_at = ${new Date(createdAt)}, status_changed_at = ${changedAt}
    WHERE id = ${id}`.execute(t.db)
  return id
}

const stats = async (as: TestUser, type: Type, query = '') => {
  const res = await t.app.inject({ url: `/api/v1/${type}/stats${query}`, headers: as.auth })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

describe('GET /applications/stats', () => {
  let owner: TestUser
  let archivedId: number
  beforeAll(async () => {
    owner = await t.make.user()
    const job = { company: 'Acme', position: 'Engineer' }
    // biome-ignore format: a table
    const histories: [string, string][][] = [
      [['saved', '2026-01-05T09:00:00Z'], ['applied', '2026-01-07T09:00:00Z'], ['screening', '2026-01-10T09:00:00Z'],
       ['interviewing', '2026-01-20T09:00:00Z'], ['offer', '2026-02-01T09:00:00Z'], ['accepted', '2026-02-15T09:00:00Z']],
      [['saved', '2026-01-10T00:00:00Z'], ['applied', '2026-01-14T00:00:00Z'], ['screening', '2026-01-15T00:00:00Z'],
       ['rejected', '2026-01-25T00:00:00Z']],
      [['applied', '2026-02-03T12:00:00Z'], ['screening', '2026-02-08T12:00:00Z'], ['interviewing', '2026-02-18T12:00:00Z'],
       ['offer', '2026-03-01T12:00:00Z'], ['declined', '2026-03-05T12:00:00Z']],
      [['saved', '2026-02-10T08:00:00Z'], ['withdrawn', '2026-02-12T08:00:00Z']],
      [['saved', '2026-03-01T00:00:00Z']],
      [['applied', '2026-03-02T00:00:00Z'], ['rejected', '2026-03-20T00:00:00Z']],
    ]
    for (const history of histories) await lived(owner, 'applications', job, history)
    // Neither someone else's applications nor the owner's archived ones count.
    const someone = await t.make.user()
    await lived(someone, 'applications', job, [
      ['applied', '2026-01-01T00:00:00Z'],
      ['screening', '2026-01-02T00:00:00Z'],
    ])
    archivedId = await lived(owner, 'applications', job, [
      ['saved', '2026-01-01T00:00:00Z'],
      ['applied', '2026-01-09T00:00:00Z'],
    ])
    await t.app.inject({ method: 'DELETE', url: `/api/v1/applications/${archivedId}`, headers: owner.auth })
  })

  it('counts by status, the funnel, the median days of each step and the months, exactly', async () => {
    expect(await stats(owner, 'applications')).toEqual({
      total: 6,
      by_status: {
        saved: 1,
        applied: 0,
        screening: 0,
        interviewing: 0,
        offer: 0,
        accepted: 1,
        declined: 1,
        rejected: 2,
        withdrawn: 1,
      },
      // Reached the stage or a later one: created as applied counts as past saved; declined,
      // rejected and withdrawn count at the furthest stage they had reached.
      funnel: [
        { status: 'saved', reached: 6, share: 1 },
        { status: 'applied', reached: 4, share: 0.6667 },
        { status: 'screening', reached: 3, share: 0.5 },
        { status: 'interviewing', reached: 2, share: 0.3333 },
        { status: 'offer', reached: 2, share: 0.3333 },
        { status: 'accepted', reached: 1, share: 0.1667 },
      ],
      median_days: [
        { from: 'saved', to: 'applied', moves: 2, median_days: 3 }, // 2 and 4 days
        { from: 'applied', to: 'screening', moves: 3, median_days: 3 }, // 3, 1 and 5
        { from: 'screening', to: 'interviewing', moves: 2, median_days: 10 }, // 10 and 10
        { from: 'interviewing', to: 'offer', moves: 2, median_days: 11.5 }, // 12 and 11
        { from: 'offer', to: 'accepted', moves: 1, median_days: 14 },
      ],
      monthly: [
        { month: '2026-01', created: 2, ended: { accepted: 0, declined: 0, rejected: 1, withdrawn: 0 } },
        { month: '2026-02', created: 2, ended: { accepted: 1, declined: 0, rejected: 0, withdrawn: 1 } },
        { month: '2026-03', created: 2, ended: { accepted: 0, declined: 1, rejected: 1, withdrawn: 0 } },
      ],
    })
  })

  it('takes the list’s filters: created after February leaves four applications', async () => {
    const february = await stats(owner, 'applications', '?created_after=2026-02-01T00:00:00Z')
    expect(february.total).toBe(4)
    expect(february.by_status).toMatchObject({ saved: 1, declined: 1, withdrawn: 1, rejected: 1 })
    expect(february.funnel.map((s: { reached: number }) => s.reached)).toEqual([4, 2, 1, 1, 1, 0])
    expect((await stats(owner, 'applications', '?status=rejected,declined')).total).toBe(3)
  })

  it('an admin counts everyone’s, or one owner’s with owner_id', async () => {
    expect((await stats(admin, 'applications')).total).toBe(7)
    expect(await stats(admin, 'applications', `?owner_id=${owner.user.id}`)).toEqual(
      await stats(owner, 'applications'),
    )
  })

  it('restoring the archived application counts it again, with its history', async () => {
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/applications/${archivedId}/deleted`,
      headers: owner.auth,
    })
    const now = await stats(owner, 'applications')
    expect(now.total).toBe(7)
    expect(now.median_days[0]).toEqual({ from: 'saved', to: 'applied', moves: 3, median_days: 4 }) // 2, 4, 8
    await t.app.inject({ method: 'DELETE', url: `/api/v1/applications/${archivedId}`, headers: owner.auth })
  })

  it('with nothing to count: zeros, shares of 0, medians null, no months', async () => {
    const nobody = await t.make.user()
    const empty = await stats(nobody, 'applications')
    expect(empty.total).toBe(0)
    expect(empty.funnel.every((s: { share: number }) => s.share === 0)).toBe(true)
    expect(empty.median_days.every((s: { median_days: null }) => s.median_days === null)).toBe(true)
    expect(empty.monthly).toEqual([])
  })
})

describe('GET /leads/stats', () => {
  it('counts by status, the funnel, the median days of each step and the months, exactly', async () => {
    const owner = await t.make.user()
    // biome-ignore format: a table
    const histories: [string, string][][] = [
      [['new', '2026-01-01T00:00:00Z'], ['contacted', '2026-01-03T00:00:00Z'], ['qualified', '2026-01-08T00:00:00Z'],
       ['proposal', '2026-01-18T00:00:00Z'], ['won', '2026-02-02T00:00:00Z']],
      [['new', '2026-01-15T00:00:00Z'], ['contacted', '2026-01-16T00:00:00Z'], ['lost', '2026-01-30T00:00:00Z']],
      [['new', '2026-02-01T00:00:00Z'], ['contacted', '2026-02-05T00:00:00Z'], ['qualified', '2026-02-07T00:00:00Z'],
       ['lost', '2026-02-20T00:00:00Z']],
      [['new', '2026-02-10T00:00:00Z']],
    ]
    for (const history of histories) await lived(owner, 'leads', { company: 'Globex' }, history)
    expect(await stats(owner, 'leads')).toEqual({
      total: 4,
      by_status: { new: 1, contacted: 0, qualified: 0, proposal: 0, won: 1, lost: 2 },
      funnel: [
        { status: 'new', reached: 4, share: 1 },
        { status: 'contacted', reached: 3, share: 0.75 },
        { status: 'qualified', reached: 2, share: 0.5 },
        { status: 'proposal', reached: 1, share: 0.25 },
        { status: 'won', reached: 1, share: 0.25 },
      ],
      median_days: [
        { from: 'new', to: 'contacted', moves: 3, median_days: 2 }, // 2, 1 and 4 days
        { from: 'contacted', to: 'qualified', moves: 2, median_days: 3.5 }, // 5 and 2
        { from: 'qualified', to: 'proposal', moves: 1, median_days: 10 },
        { from: 'proposal', to: 'won', moves: 1, median_days: 15 },
      ],
      monthly: [
        { month: '2026-01', created: 2, ended: { won: 0, lost: 1 } },
        { month: '2026-02', created: 2, ended: { won: 1, lost: 1 } },
      ],
    })
  })
})
