import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Application } from '../../src/modules/applications/applications.schemas.js'
import { createTestApp, PUBLIC_URL, type TestApp, type TestUser } from '../helpers/app.js'

interface Page {
  count: number | null
  next: string | null
  previous: string | null
  results: Application[]
}

// Every write here needs If-Match (REQUIRE_IF_MATCH): `*` where the test does not care which version.
const ANY = { 'if-match': '*' }

let t: TestApp
let admin: TestUser
let owner: TestUser
let other: TestUser
/** The owner's applications, as the API last returned them, in creation order. */
const mine: Application[] = []
let theirs: Application

const request: TestApp['request'] = (...args) => t.request(...args)

const itemUrl = (id: number) => `/api/v1/applications/${id}`

/** Creates an application of `as` and moves it through `moves`, returning it as it ends. */
async function seed(as: TestUser, fields: Record<string, unknown>, moves: string[] = []) {
  const created = await request(as, 'POST', '/api/v1/applications', { payload: fields })
  expect(created.statusCode, created.body).toBe(201)
  let app = created.json<Application>()
  for (const status of moves) {
    const res = await request(as, 'PATCH', itemUrl(app.id), { payload: { status }, headers: ANY })
    expect(res.statusCode, res.body).toBe(200)
    app = res.json<Application>()
  }
  return app
}

beforeAll(async () => {
  t = await createTestApp({ REQUIRE_IF_MATCH: 'true' })
  admin = await t.make.admin()
  owner = await t.make.user()
  other = await t.make.user()
  const rows: [Record<string, unknown>, string[]][] = [
    [{ company: 'Acme Corp', position: 'Backend Engineer', source: 'LinkedIn' }, []],
    [
      {
        company: 'Globex',
        position: 'Frontend Developer',
        source: 'Referral',
        status: 'applied',
        applied_at: '2026-01-10T09:00:00Z',
      },
      [],
    ],
    [
      {
        company: 'Initech',
        position: 'Data Engineer',
        source: 'LinkedIn',
        status: 'applied',
        applied_at: '2026-02-01T00:00:00+01:00',
      },
      ['screening'],
    ],
    [{ company: 'Umbrella 100%', position: 'QA Analyst' }, []],
    [
      {
        company: 'Hooli',
        position: 'Site_Reliability Engineer',
        source: 'linkedin',
        status: 'applied',
        applied_at: '2026-03-05T12:00:00Z',
      },
      ['screening', 'interviewing'],
    ],
    [
      {
        company: 'Acme Labs',
        position: 'Platform Engineer',
        source: 'Job board',
        status: 'applied',
        applied_at: '2026-01-20T00:00:00Z',
      },
      ['rejected'],
    ],
    [{ company: 'Vandelay', position: 'Importer' }, ['withdrawn']],
    [{ company: 'Stark', position: 'Engineer' }, ['applied']],
  ]
  for (const [fields, moves] of rows) mine.push(await seed(owner, fields, moves))
  theirs = await seed(other, { company: 'Acme Corp', position: 'Backend Engineer', source: 'LinkedIn' })
})
afterAll(() => t.close())

const list = async (query: string, as: TestUser = owner) => {
  const res = await request(as, 'GET', `/api/v1/applications${query}`)
  expect(res.statusCode, res.body).toBe(200)
  return res.json<Page>()
}
const ids = (page: Page) => page.results.map((a) => a.id)
const idsWhere = (keep: (a: Application) => boolean) => mine.filter(keep).map((a) => a.id)

describe('applications: fields', () => {
  it('POST answers 201 with Location, ETag and every field; optional ones are null', async () => {
    const res = await request(owner, 'POST', '/api/v1/applications', {
      payload: {
        company: 'Wayne Enterprises',
        position: 'Analyst',
        location: 'Gotham',
        notes: 'Ask about remote',
      },
    })
    expect(res.statusCode).toBe(201)
    const app = res.json<Application>()
    expect(app).toEqual({
      url: `${PUBLIC_URL}${itemUrl(app.id)}`,
      id: app.id,
      company: 'Wayne Enterprises',
      position: 'Analyst',
      source: null,
      posting_url: null,
      location: 'Gotham',
      notes: 'Ask about remote',
      applied_at: null,
      status: 'saved',
      status_changed_at: app.created_at,
      owner_id: owner.user.id,
      created_at: expect.any(String),
      updated_at: app.created_at,
    })
    expect(res.headers.location).toBe(app.url)
    expect(res.headers.etag).toBe('"v1"')
    const read = await request(owner, 'GET', itemUrl(app.id))
    expect(read.json()).toEqual(app)
    expect(
      (await request(owner, 'GET', itemUrl(app.id), { headers: { 'if-none-match': '"v1"' } })).statusCode,
    ).toBe(304)
  })

  it('refuses bad input with every problem at once', async () => {
    const res = await request(owner, 'POST', '/api/v1/applications', {
      payload: {
        position: '',
        posting_url: 'ftp://jobs.example/1',
        source: '',
        salary: 1,
        applied_at: 'yesterday',
      },
    })
    expect(res.statusCode).toBe(400)
    const pointers = res.json().errors.map((e: { pointer: string }) => e.pointer)
    expect(pointers).toEqual(
      expect.arrayContaining(['/company', '/position', '/posting_url', '/source', '/salary', '/applied_at']),
    )
  })

  it('applied_at: stamped with the move when an application enters applied without one, kept otherwise', async () => {
    // Created as applied, without a date: the creation's time.
    const direct = await seed(owner, { company: 'A1', position: 'P', status: 'applied' })
    expect(direct.applied_at).toBe(direct.created_at)
    // Moved to applied: the move's time.
    const moved = mine[7]!
    expect(moved.status).toBe('applied')
    expect(moved.applied_at).toBe(moved.status_changed_at)
    expect(moved.applied_at).not.toBe(moved.created_at)
    // A date the client gave, in any offset, is kept (in UTC), on creation and through the move.
    expect(mine[2]!.applied_at).toBe('2026-01-31T23:00:00.000Z')
    const early = await seed(owner, { company: 'A2', position: 'P', applied_at: '2025-12-24T10:00:00Z' }, [
      'applied',
    ])
    expect(early.applied_at).toBe('2025-12-24T10:00:00.000Z')
    // A move that sets it names its own.
    const both = await seed(owner, { company: 'A3', position: 'P' })
    const res = await request(owner, 'PATCH', itemUrl(both.id), {
      payload: { status: 'applied', applied_at: '2026-04-01T08:30:00+02:00' },
      headers: ANY,
    })
    expect(res.json()).toMatchObject({ status: 'applied', applied_at: '2026-04-01T06:30:00.000Z' })
  })

  it('PUT replaces: optional fields left out become null, the status is required; PATCH merges, null clears', async () => {
    const app = await seed(owner, {
      company: 'Old',
      position: 'Role',
      source: 'Referral',
      notes: 'n',
      location: 'Bern',
    })
    const noStatus = await request(owner, 'PUT', itemUrl(app.id), {
      payload: { company: 'New', position: 'Role' },
      headers: ANY,
    })
    expect(noStatus.statusCode).toBe(400)
    expect(noStatus.json().errors).toEqual([
      { pointer: '/status', detail: "must have required property 'status'" },
    ])
    const put = await request(owner, 'PUT', itemUrl(app.id), {
      payload: { company: 'New', position: 'Role', status: 'saved', notes: 'kept' },
      headers: { 'if-match': '"v1"' },
    })
    expect(put.statusCode).toBe(200)
    expect(put.json()).toMatchObject({
      company: 'New',
      source: null,
      location: null,
      notes: 'kept',
      status: 'saved',
    })
    expect(put.headers.etag).toBe('"v2"')
    const patch = await request(owner, 'PATCH', itemUrl(app.id), {
      payload: { notes: null, location: 'Zürich' },
      headers: { 'if-match': '"v2"', 'content-type': 'application/merge-patch+json' },
    })
    expect(patch.json()).toMatchObject({ company: 'New', notes: null, location: 'Zürich' })
    expect(patch.headers.etag).toBe('"v3"')
    const stale = await request(owner, 'PATCH', itemUrl(app.id), {
      payload: { notes: 'x' },
      headers: { 'if-match': '"v2"' },
    })
    expect(stale.statusCode).toBe(412)
    const minimal = await request(owner, 'PATCH', itemUrl(app.id), {
      payload: { status: 'applied' },
      headers: { 'if-match': '"v3"', prefer: 'return=minimal' },
    })
    expect(minimal.statusCode).toBe(204)
    expect(minimal.body).toBe('')
    expect(minimal.headers.etag).toBe('"v4"')
  })

  it('with REQUIRE_IF_MATCH, every write without If-Match is a 428: PUT, PATCH (moves too) and DELETE', async () => {
    const app = mine[0]!
    for (const [method, payload] of [
      ['PATCH', { status: 'applied' }],
      ['PUT', { company: 'x', position: 'y', status: 'saved' }],
      ['DELETE', undefined],
    ] as const) {
      const res = await request(owner, method, itemUrl(app.id), { payload })
      expect(res.statusCode, method).toBe(428)
      expect(res.json().code).toBe('precondition_required')
    }
  })
})

describe('GET /applications', () => {
  it('pages a user’s own applications, with count and absolute links; an admin filters by owner', async () => {
    const page = await list(`?page=2&page_size=3&max_id=${mine[7]!.id + 1}`)
    expect(page.count).toBe(8)
    expect(ids(page)).toEqual(mine.slice(3, 6).map((a) => a.id))
    expect(page.next).toBe(`${PUBLIC_URL}/api/v1/applications?page_size=3&max_id=${mine[7]!.id + 1}&page=3`)
    expect(ids(await list(`?owner_id=${other.user.id}`, admin))).toEqual([theirs.id])
    expect(ids(await list(`?owner_id=${other.user.id}`))).toEqual([])
  })

  it('search is a case-insensitive fragment of company or position; % and _ are literal', async () => {
    const byFragment = (f: string) =>
      idsWhere((a) => a.company.toLowerCase().includes(f) || a.position.toLowerCase().includes(f))
    const until = `&max_id=${mine[7]!.id + 1}`
    expect(ids(await list(`?search=ACME${until}`))).toEqual(byFragment('acme'))
    expect(ids(await list(`?search=engineer${until}`))).toEqual(byFragment('engineer'))
    expect(ids(await list('?search=100%25'))).toEqual([mine[3]!.id])
    expect(ids(await list('?search=e_r'))).toEqual([mine[4]!.id])
  })

  it('status takes one or more statuses, comma-separated or repeated; an unknown one is a 400 listing them', async () => {
    const expected = idsWhere((a) => a.status === 'applied' || a.status === 'screening')
    expect(expected).toHaveLength(3)
    const until = `&max_id=${mine[7]!.id + 1}`
    expect(ids(await list(`?status=applied,screening${until}`))).toEqual(expected)
    expect(ids(await list(`?status=applied&status=screening${until}`))).toEqual(expected)
    expect(ids(await list(`?status=rejected`))).toEqual([mine[5]!.id])
    const bad = await request(owner, 'GET', '/api/v1/applications?status=applied,hired')
    expect(bad.statusCode).toBe(400)
    expect(bad.json().errors).toEqual([
      { parameter: 'status', detail: expect.stringMatching(/^must be one of: saved, applied, screening/) },
    ])
  })

  it('source is exact and case-insensitive', async () => {
    expect(ids(await list('?source=linkedin'))).toEqual(
      idsWhere((a) => a.source?.toLowerCase() === 'linkedin'),
    )
    expect(ids(await list('?source=Linked'))).toEqual([])
  })

  it('filters by creation, application and status-change windows (exclusive)', async () => {
    const applied = await list('?applied_after=2026-01-15T00:00:00Z&applied_before=2026-03-01T00:00:00Z')
    expect(ids(applied)).toEqual([mine[2]!.id, mine[5]!.id])
    const pivot = mine[4]!
    const changed = await list(
      `?status_changed_after=${encodeURIComponent(pivot.status_changed_at)}&max_id=${mine[7]!.id + 1}`,
    )
    expect(ids(changed)).toEqual(
      idsWhere((a) => Date.parse(a.status_changed_at) > Date.parse(pivot.status_changed_at)),
    )
    const created = await list(`?created_before=${encodeURIComponent(mine[2]!.created_at)}`)
    expect(ids(created)).toEqual([mine[0]!.id, mine[1]!.id])
  })

  it('orders by company, applied_at (missing dates last, first when descending) and status_changed_at', async () => {
    const until = `&max_id=${mine[7]!.id + 1}&page_size=100`
    const byCompany = await list(`?ordering=company${until}`)
    expect(byCompany.results.map((a) => a.company)).toEqual(
      [...mine].map((a) => a.company).sort((a, b) => (a < b ? -1 : 1)),
    )
    const dated = mine
      .filter((a) => a.applied_at !== null)
      .sort((a, b) => Date.parse(a.applied_at!) - Date.parse(b.applied_at!))
    const undated = mine.filter((a) => a.applied_at === null).map((a) => a.id)
    expect(ids(await list(`?ordering=applied_at${until}`))).toEqual([...dated.map((a) => a.id), ...undated])
    expect(ids(await list(`?ordering=-applied_at${until}`))).toEqual(
      [...dated.map((a) => a.id), ...undated].reverse(),
    )
    // Ties (two changes in one millisecond) are broken by id, in the same direction.
    const latestFirst = [...mine].sort(
      (a, b) => Date.parse(b.status_changed_at) - Date.parse(a.status_changed_at) || b.id - a.id,
    )
    expect(ids(await list(`?ordering=-status_changed_at${until}`))).toEqual(latestFirst.map((a) => a.id))
  })

  it('cursor pages walk the same list as page numbers, in every ordering, missing dates included', async () => {
    for (const ordering of [
      'id',
      '-company',
      'applied_at',
      '-applied_at',
      'status_changed_at',
      '-updated_at',
    ]) {
      const until = `&max_id=${mine[7]!.id + 1}`
      const numbered = await list(`?ordering=${ordering}&page_size=100${until}`)
      const seen: number[] = []
      let url: string | null = `?ordering=${ordering}&page_size=3&cursor=${until}`
      while (url) {
        const page: Page = await list(url)
        expect(page.count).toBeNull()
        seen.push(...ids(page))
        url = page.next?.replace(`${PUBLIC_URL}/api/v1/applications`, '') ?? null
      }
      expect(seen, ordering).toEqual(ids(numbered))
    }
  })
})
