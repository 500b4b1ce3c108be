import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applicationsRepository } from '../../src/modules/applications/applications.repository.js'
import { APPLICATION_WORKFLOW } from '../../src/modules/applications/status-workflow.js'
import { leadsRepository } from '../../src/modules/leads/leads.repository.js'
import { LEAD_WORKFLOW } from '../../src/modules/leads/status-workflow.js'
import { statusIs, type Workflow } from '../../src/platform/workflow/workflow.js'
import { backend, createTestApp, PUBLIC_URL, type TestApp, type TestUser } from '../helpers/app.js'

let t: TestApp
let admin: TestUser
let owner: TestUser
let other: TestUser
beforeAll(async () => {
  t = await createTestApp()
  admin = await t.make.admin()
  owner = await t.make.user()
  other = await t.make.user()
})
afterAll(() => t.close())

interface Item {
  id: number
  url: string
  status: string
  status_changed_at: string
  created_at: string
  owner_id: number
}

const request: TestApp['request'] = (...args) => t.request(...args)

/** The two workflow resources, with what a new item of each needs. */
const RESOURCES = [
  {
    type: 'applications',
    workflow: APPLICATION_WORKFLOW as Workflow,
    fields: { company: 'Initech', position: 'Engineer' },
    replace: { company: 'Initech', position: 'Staff engineer' },
  },
  {
    type: 'leads',
    workflow: LEAD_WORKFLOW as Workflow,
    fields: { company: 'Umbrella', contact_name: 'Alice' },
    replace: { company: 'Umbrella Corp' },
  },
] as const

/** The shortest way to `target`: a start to create at, then the moves (breadth-first over the table). */
function route(workflow: Workflow, target: string): { start: string; moves: string[] } {
  const queue = workflow.starts.map((start) => ({ start, moves: [] as string[], at: start }))
  for (let next = queue.shift(); next; next = queue.shift()) {
    if (next.at === target) return { start: next.start, moves: next.moves }
    for (const to of workflow.allowed(next.at)) queue.push({ ...next, moves: [...next.moves, to], at: to })
  }
  throw new Error(`${target} is unreachable`)
}

describe.each(RESOURCES)('$type: the status workflow', ({ type, workflow, fields, replace }) => {
  const url = (id: number) => `/api/v1/${type}/${id}`
  const create = async (as: TestUser, status?: string) => {
    const res = await request(as, 'POST', `/api/v1/${type}`, {
      payload: { ...fields, ...(status && { status }) },
    })
    expect(res.statusCode, res.body).toBe(201)
    return res.json<Item>()
  }
  const move = (as: TestUser, id: number, status: string, headers: Record<string, string> = {}) =>
    request(as, 'PATCH', url(id), { payload: { status }, headers })
  /** A new item of `owner`'s at `status`, reached through the API. */
  const at = async (status: string) => {
    const { start, moves } = route(workflow, status)
    const item = await create(owner, start)
    for (const to of moves) expect((await move(owner, item.id, to)).statusCode, `→ ${to}`).toBe(200)
    return item
  }

  it('a new item starts at the initial status, or at a start it names; other statuses are a 400', async () => {
    expect((await create(owner)).status).toBe(workflow.initial)
    for (const start of workflow.starts) expect((await create(owner, start)).status).toBe(start)
    for (const status of workflow.statuses.filter((s) => !workflow.starts.includes(s))) {
      const res = await request(owner, 'POST', `/api/v1/${type}`, { payload: { ...fields, status } })
      expect(res.statusCode, status).toBe(400)
      expect(res.json().errors).toEqual([
        { pointer: '/status', detail: `must be one of: ${workflow.starts.join(', ')}` },
      ])
    }
  })

  it('every move the table allows succeeds, by PATCH: 200, new status, status_changed_at, a new ETag', async () => {
    for (const from of workflow.statuses) {
      for (const to of workflow.allowed(from)) {
        const item = await at(from)
        const before = await request(owner, 'GET', url(item.id))
        const res = await move(owner, item.id, to, { 'if-match': String(before.headers.etag) })
        expect(res.statusCode, `${from} → ${to}: ${res.body}`).toBe(200)
        expect(res.json().status).toBe(to)
        expect(res.headers.etag).not.toBe(before.headers.etag)
        expect(Date.parse(res.json().status_changed_at)).toBeGreaterThanOrEqual(
          Date.parse(before.json().status_changed_at),
        )
      }
    }
  })

  it('every move the table does not allow is a 409 invalid_transition listing the allowed ones, and changes nothing', async () => {
    for (const from of workflow.statuses) {
      const item = await at(from)
      const before = await request(owner, 'GET', url(item.id))
      for (const to of workflow.statuses.filter((s) => s !== from && !workflow.canMove(from, s))) {
        const res = await move(owner, item.id, to)
        expect(res.statusCode, `${from} → ${to}`).toBe(409)
        expect(res.json()).toMatchObject({
          code: 'invalid_transition',
          current: from,
          requested: to,
          allowed: [...workflow.allowed(from)],
        })
      }
      const after = await request(owner, 'GET', url(item.id))
      expect(after.json()).toEqual(before.json())
      expect(after.headers.etag).toBe(before.headers.etag)
    }
  })

  it('PUT moves too; naming the current status is no move', async () => {
    const item = await create(owner)
    const next = workflow.allowed(workflow.initial)[0]!
    const put = await request(owner, 'PUT', url(item.id), { payload: { ...replace, status: next } })
    expect(put.statusCode, put.body).toBe(200)
    expect(put.json()).toMatchObject({ ...replace, status: next })
    const same = await request(owner, 'PATCH', url(item.id), { payload: { status: next } })
    expect(same.statusCode).toBe(200)
    expect(same.headers.etag).toBe(put.headers.etag)
    const trail = (await request(owner, 'GET', `${url(item.id)}/events`)).json().results
    expect(trail.map((r: { action: string }) => r.action)).toEqual(['created', 'status_changed'])
  })

  it('a move is recorded: status_changed with actor, before and after, and a transition row', async () => {
    const item = await create(owner)
    const to = workflow.allowed(workflow.initial)[0]!
    const moved = await move(owner, item.id, to, { 'x-request-id': `move-${type}` })
    const notes = await request(owner, 'PATCH', url(item.id), { payload: { source: 'Referral' } })
    expect(notes.statusCode).toBe(200)
    const trail = (await request(owner, 'GET', `${url(item.id)}/events`)).json().results
    expect(trail.map((r: { action: string }) => r.action)).toEqual(['created', 'status_changed', 'updated'])
    expect(trail[1]).toMatchObject({
      actor_id: owner.user.id,
      request_id: `move-${type}`,
      resource_type: type,
      resource_id: item.id,
      before: { status: workflow.initial, version: 1 },
      after: { status: to, version: 2, status_changed_at: moved.json().status_changed_at },
    })
    const transitions = await t.db
      .selectFrom('workflow_transitions')
      .select(['from_status', 'to_status', 'owner_id', 'at', 'from_at'])
      .where('resource_type', '=', type)
      .where('resource_id', '=', item.id)
      .orderBy('at')
      .execute()
    expect(transitions).toEqual([
      {
        from_status: null,
        to_status: workflow.initial,
        owner_id: owner.user.id,
        at: new Date(item.created_at),
        from_at: null,
      },
      {
        from_status: workflow.initial,
        to_status: to,
        owner_id: owner.user.id,
        at: new Date(moved.json().status_changed_at),
        from_at: new Date(item.status_changed_at),
      },
    ])
  })

  it('If-Match is checked before the move: a stale ETag is a 412, even for a move the workflow refuses', async () => {
    const item = await create(owner)
    const allowed = workflow.allowed(workflow.initial)[0]!
    const refused = workflow.statuses.find(
      (s) => s !== workflow.initial && !workflow.canMove(workflow.initial, s),
    )!
    for (const status of [allowed, refused]) {
      const res = await move(owner, item.id, status, { 'if-match': '"v7"' })
      expect(res.statusCode, status).toBe(412)
    }
    expect((await request(owner, 'GET', url(item.id))).json().status).toBe(workflow.initial)
  })

  it('another user gets 404 on every route of an item, live or archived, and never counts it', async () => {
    const item = await create(owner)
    const next = workflow.allowed(workflow.initial)[0]!
    const live = [
      ['GET', url(item.id)],
      ['PUT', url(item.id), { ...replace, status: next }],
      ['PATCH', url(item.id), { status: next }],
      ['GET', `${url(item.id)}/events`],
      ['DELETE', url(item.id)],
      ['GET', `${url(item.id)}/deleted`],
      ['POST', `${url(item.id)}/deleted`],
      ['DELETE', `${url(item.id)}/deleted`],
    ] as const
    for (const [method, path, payload] of live) {
      const res = await request(other, method, path, { payload })
      expect(res.statusCode, `${method} ${path}`).toBe(404)
      expect(res.json().code).toBe('not_found')
    }
    const listed = (await request(other, 'GET', `/api/v1/${type}?page_size=100`)).json().results
    expect(listed.map((i: Item) => i.id)).not.toContain(item.id)
    // A user's owner_id filter never widens what they see; their stats count only their own.
    expect((await request(other, 'GET', `/api/v1/${type}?owner_id=${owner.user.id}`)).json().count).toBe(0)
    expect(
      (await request(other, 'GET', `/api/v1/${type}/stats?owner_id=${owner.user.id}`)).json().total,
    ).toBe(0)
    expect((await request(other, 'GET', `/api/v1/${type}/stats`)).json().total).toBe(0)

    expect((await request(owner, 'DELETE', url(item.id))).statusCode).toBe(200)
    for (const [method, path, payload] of live) {
      const res = await request(other, method, path, { payload })
      expect(res.statusCode, `archived: ${method} ${path}`).toBe(404)
      expect(res.json().code).toBe('not_found')
      expect(res.json().links).toBeUndefined()
    }
    const archive = (await request(other, 'GET', `/api/v1/${type}/deleted`)).json().results
    expect(archive.map((i: Item) => i.id)).not.toContain(item.id)
    // Its owner and admins see it where it is.
    expect((await request(owner, 'GET', url(item.id))).json().code).toBe('archived')
    expect((await request(admin, 'GET', `${url(item.id)}/deleted`)).statusCode).toBe(200)
  })

  it('an admin reads, moves and counts anyone’s items, and filters them by owner', async () => {
    const item = await create(owner)
    const to = workflow.allowed(workflow.initial)[0]!
    const res = await move(admin, item.id, to)
    expect(res.statusCode).toBe(200)
    const trail = (await request(owner, 'GET', `${url(item.id)}/events`)).json().results
    expect(trail.at(-1)).toMatchObject({ action: 'status_changed', actor_id: admin.user.id })
    const mine = (
      await request(admin, 'GET', `/api/v1/${type}?owner_id=${owner.user.id}&page_size=100`)
    ).json()
    expect(mine.results.every((i: Item) => i.owner_id === owner.user.id)).toBe(true)
    expect(mine.results.map((i: Item) => i.id)).toContain(item.id)
    const stats = (await request(admin, 'GET', `/api/v1/${type}/stats?owner_id=${owner.user.id}`)).json()
    expect(stats.total).toBe(mine.count)
  })

  it('deleting the owner archives their items in the batch; restoring brings them back; purging leaves tombstones', async () => {
    const person = await t.make.user()
    const kept = await create(person)
    const earlier = await create(person)
    expect((await request(person, 'DELETE', url(earlier.id))).statusCode).toBe(200)
    const moved = workflow.allowed(workflow.initial)[0]!
    expect((await move(person, kept.id, moved)).statusCode).toBe(200)

    const deletion = await request(admin, 'DELETE', `/api/v1/users/${person.user.id}`)
    expect(deletion.statusCode).toBe(200)
    expect(deletion.json().cascaded).toEqual({ [type]: [kept.id] })
    const archived = await request(admin, 'GET', url(kept.id))
    expect(archived.statusCode).toBe(404)
    expect(archived.json()).toMatchObject({
      code: 'archived',
      links: { archive: `${PUBLIC_URL}${url(kept.id)}/deleted` },
    })
    expect((await request(admin, 'GET', `${url(kept.id)}/events`)).json().code).toBe('archived')
    const early = await request(admin, 'POST', `${url(kept.id)}/deleted`)
    expect(early.statusCode).toBe(409)
    expect(early.json().links).toEqual({
      owner_archive: `${PUBLIC_URL}/api/v1/users/${person.user.id}/deleted`,
    })

    expect((await request(admin, 'POST', `/api/v1/users/${person.user.id}/deleted`)).statusCode).toBe(201)
    const restored = await request(admin, 'GET', url(kept.id))
    expect(restored.statusCode).toBe(200)
    expect(restored.json().status).toBe(moved)
    expect((await request(admin, 'GET', url(earlier.id))).json().code).toBe('archived')

    // Archive the owner again and purge them: their items go, each leaving a tombstone, with their history.
    await request(admin, 'DELETE', `/api/v1/users/${person.user.id}`)
    expect((await request(admin, 'DELETE', `/api/v1/users/${person.user.id}/deleted`)).statusCode).toBe(204)
    for (const id of [kept.id, earlier.id]) {
      for (const path of [url(id), `${url(id)}/deleted`, `${url(id)}/events`]) {
        const res = await request(admin, 'GET', path)
        expect(res.statusCode, path).toBe(410)
        expect(res.json().code).toBe('gone')
      }
    }
    const left = await t.db
      .selectFrom('workflow_transitions')
      .select('resource_id')
      .where((eb) =>
        eb.or([eb('resource_id', 'in', [kept.id, earlier.id]), eb('owner_id', '=', person.user.id)]),
      )
      .where('resource_type', '=', type)
      .execute()
    expect(left).toEqual([])
    const records = await t.db
      .selectFrom('changes')
      .select(['action', 'before', 'after'])
      .where('resource_type', '=', type)
      .where('resource_id', '=', kept.id)
      .execute()
    for (const r of records.filter((r) => r.action !== 'purged'))
      expect(r.after ?? r.before).toEqual({ id: kept.id, redacted: true })
  })

  it('purging one item erases its history; restoring one keeps it', async () => {
    const item = await create(owner)
    await move(owner, item.id, workflow.allowed(workflow.initial)[0]!)
    const history = () =>
      t.db
        .selectFrom('workflow_transitions')
        .select('to_status')
        .where('resource_type', '=', type)
        .where('resource_id', '=', item.id)
        .execute()
    await request(owner, 'DELETE', url(item.id))
    expect((await request(owner, 'POST', `${url(item.id)}/deleted`)).statusCode).toBe(201)
    expect(await history()).toHaveLength(2)
    await request(owner, 'DELETE', url(item.id))
    expect((await request(owner, 'DELETE', `${url(item.id)}/deleted`)).statusCode).toBe(204)
    expect(await history()).toEqual([])
    expect((await request(owner, 'GET', url(item.id))).statusCode).toBe(410)
  })

  it('the guarded update decides: a move judged from a status the item has left matches nothing', async () => {
    const item = await at(workflow.initial)
    const [first, second] = workflow.allowed(workflow.initial) as [string, string]
    const repo = type === 'applications' ? applicationsRepository : leadsRepository
    const actor = { id: owner.user.id, role: 'user' as const, tokenId: 0, requestId: 'test' }
    const guarded = (to: string) =>
      repo.update(t.db, actor, item.id, { status: to }, null, statusIs(type, workflow.initial))
    expect((await guarded(first))?.status).toBe(first)
    expect(await guarded(second)).toBeUndefined()
    expect((await request(owner, 'GET', url(item.id))).json().status).toBe(first)
  })

  // On PostgreSQL the requests truly overlap (a pool of connections); PGlite has one session.
  it.skipIf(backend === 'pglite')(
    'concurrent moves of one item from one status to different targets: exactly one wins (PostgreSQL)',
    async () => {
      // With the ETag all clients read: from the initial status to each of its moves; the others get 412.
      // Without If-Match: from a status whose moves all end the workflow; the others get 409, naming
      // the status the winner left the item at (whether they overlapped it or came just after).
      const ending = workflow.statuses.find((s) => {
        const moves = workflow.allowed(s)
        return moves.length >= 2 && moves.every((m) => workflow.isTerminal(m))
      })!
      for (const [from, withEtag] of [
        [workflow.initial, true],
        [ending, false],
        [workflow.initial, true],
        [ending, false],
      ] as const) {
        const item = await at(from)
        const etag = String((await request(owner, 'GET', url(item.id))).headers.etag)
        const targets = Array.from(
          { length: 8 },
          (_, i) => workflow.allowed(from)[i % workflow.allowed(from).length]!,
        )
        const headers: Record<string, string> = withEtag ? { 'if-match': etag } : {}
        const results = await Promise.all(targets.map((to) => move(owner, item.id, to, headers)))
        const outcome = results.map((r) => `${r.statusCode} ${r.body.slice(0, 160)}`).join('\n')
        const winners = results.filter((r) => r.statusCode === 200)
        expect(winners, outcome).toHaveLength(1)
        const won = winners[0]!.json().status
        for (const loser of results.filter((r) => r.statusCode !== 200)) {
          if (withEtag) expect(loser.json().code, outcome).toBe('precondition_failed')
          else
            expect(loser.json(), outcome).toMatchObject({
              code: 'invalid_transition',
              current: won,
              allowed: [],
            })
        }
        const moves = await t.db
          .selectFrom('workflow_transitions')
          .select('to_status')
          .where('resource_type', '=', type)
          .where('resource_id', '=', item.id)
          .where('from_status', '=', from)
          .execute()
        expect(moves).toEqual([{ to_status: won }])
        const trail = (await request(owner, 'GET', `${url(item.id)}/events`)).json().results
        const fromHere = trail.filter((r: { before: { status: string } | null }) => r.before?.status === from)
        expect(fromHere).toHaveLength(1)
        expect((await request(owner, 'GET', url(item.id))).json().status).toBe(won)
      }
    },
  )
})
