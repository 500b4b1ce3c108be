import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { User } from '../../src/modules/users/users.schemas.js'
import { createTestApp, PUBLIC_URL, type TestApp, type TestUser } from '../helpers/app.js'

interface Page {
  count: number | null
  next: string | null
  previous: string | null
  results: User[]
}

let t: TestApp
let admin: TestUser
const people: TestUser[] = []
const LAST_NAMES = ['Deray', 'Karamazov', 'Malkovitch', 'deray', 'Zola', 'Abbott', 'Müller', 'O_Brien']

beforeAll(async () => {
  t = await createTestApp()
  admin = await t.make.admin()
  for (let i = 0; i < 24; i++) {
    const last = LAST_NAMES[i % LAST_NAMES.length]!
    people.push(
      await t.make.user({
        first_name: i % 2 ? 'Odile' : 'Serge',
        last_name: last,
        email: `${last.toLowerCase().replace('ü', 'ue')}.${i}@Example.CH`,
      }),
    )
  }
})
afterAll(() => t.close())

const list = async (query: string, as: TestUser = admin) => {
  const res = await t.app.inject({ url: `/api/v1/users${query}`, headers: as.auth })
  expect(res.statusCode, res.body).toBe(200)
  return { page: res.json<Page>(), headers: res.headers }
}
const ids = (page: Page) => page.results.map((u) => u.id)
const everyone = () => [admin, ...people].map((p) => p.user.id)

/** Follows `next` links from a first page until the end. */
async function walk(first: string): Promise<User[]> {
  const seen: User[] = []
  let url: string | null = first
  while (url) {
    const { page } = await list(url.replace(`${PUBLIC_URL}/api/v1/users`, ''))
    seen.push(...page.results)
    url = page.next
  }
  return seen
}

describe('GET /users: page numbers', () => {
  it('pages with count, absolute next/previous links and an RFC 8288 Link header', async () => {
    const { page, headers } = await list('?page=2&page_size=10')
    expect(page.count).toBe(25)
    expect(page.results).toHaveLength(10)
    expect(page.next).toBe(`${PUBLIC_URL}/api/v1/users?page_size=10&page=3`)
    expect(page.previous).toBe(`${PUBLIC_URL}/api/v1/users?page_size=10&page=1`)
    const link = String(headers.link)
    expect(link).toContain(`<${page.next}>; rel="next"`)
    expect(link).toContain(`<${page.previous}>; rel="prev"`)
    expect(link).toContain('rel="first"')
    expect(link).toContain('rel="last"')
  })

  it('defaults to 10 per page, ordered by id, and clamps page_size to 100', async () => {
    const { page } = await list('')
    expect(ids(page)).toEqual(everyone().slice(0, 10))
    expect(page.previous).toBeNull()
    const big = await list('?page_size=1000')
    expect(big.page.results).toHaveLength(25)
    expect(big.page.next).toBeNull()
  })

  it('a page past the end is empty, not an error', async () => {
    const { page } = await list('?page=99')
    expect(page.results).toEqual([])
    expect(page.count).toBe(25)
  })

  it('rejects page=0 and a non-numeric page_size with 400 naming the parameters', async () => {
    const res = await t.app.inject({ url: '/api/v1/users?page=0&page_size=x', headers: admin.auth })
    expect(res.statusCode).toBe(400)
    expect(
      res
        .json()
        .errors.map((e: { parameter: string }) => e.parameter)
        .sort(),
    ).toEqual(['page', 'page_size'])
  })

  it('shows a regular user only themselves', async () => {
    const me = people[3]!
    const { page } = await list('?page_size=100', me)
    expect(page.count).toBe(1)
    expect(ids(page)).toEqual([me.user.id])
  })
})

describe('GET /users: cursors', () => {
  it('walks every user exactly once, in order, for every ordering', async () => {
    for (const ordering of [
      'id',
      '-id',
      'last_name',
      '-last_name',
      'email',
      '-email',
      'created_at',
      '-created_at',
    ]) {
      const seen = await walk(`?cursor=&page_size=7&ordering=${ordering}`)
      expect(
        seen.map((u) => u.id).sort((a, b) => a - b),
        ordering,
      ).toEqual(everyone())
      const byPages = (await list(`?page_size=100&ordering=${ordering}`)).page.results
      expect(
        seen.map((u) => u.id),
        ordering,
      ).toEqual(byPages.map((u) => u.id))
    }
  })

  it('cursor pages carry no count, and previous leads back to the same items', async () => {
    const first = (await list('?cursor=&page_size=5&ordering=last_name')).page
    expect(first.count).toBeNull()
    expect(first.previous).toBeNull()
    const second = (await list(first.next!.replace(`${PUBLIC_URL}/api/v1/users`, ''))).page
    expect(second.previous).not.toBeNull()
    const back = (await list(second.previous!.replace(`${PUBLIC_URL}/api/v1/users`, ''))).page
    expect(ids(back)).toEqual(ids(first))
  })

  it('keeps filters in the links', async () => {
    const first = (await list('?cursor=&page_size=2&first_name=Odile')).page
    expect(first.next).toContain('first_name=Odile')
    const all = await walk('?cursor=&page_size=2&first_name=Odile')
    expect(all).toHaveLength(12)
    expect(all.every((u) => u.first_name === 'Odile')).toBe(true)
  })

  it('rejects a forged cursor, or one made for another ordering, with 400', async () => {
    const forged = await t.app.inject({ url: '/api/v1/users?cursor=bm9wZQ', headers: admin.auth })
    expect(forged.statusCode).toBe(400)
    expect(forged.json().errors[0].parameter).toBe('cursor')
    const first = (await list('?cursor=&page_size=2&ordering=email')).page
    const cursor = new URL(first.next!).searchParams.get('cursor')
    const other = await t.app.inject({
      url: `/api/v1/users?cursor=${cursor}&ordering=id`,
      headers: admin.auth,
    })
    expect(other.statusCode).toBe(400)
  })
})

describe('GET /users: filters, search and ordering', () => {
  it('filters by exact first and last name (case-sensitive)', async () => {
    const { page } = await list('?last_name=Deray&page_size=100')
    expect(page.results.length).toBe(3)
    expect(page.results.every((u) => u.last_name === 'Deray')).toBe(true)
    const both = await list('?last_name=Deray&first_name=Serge&page_size=100')
    expect(both.page.count).toBe(3)
    expect(both.page.results.every((u) => u.first_name === 'Serge' && u.last_name === 'Deray')).toBe(true)
    expect((await list('?last_name=Deray&first_name=Odile')).page.count).toBe(0)
  })

  it('filters by email exactly but case-insensitively', async () => {
    const target = people[5]!
    const { page } = await list(`?email=${encodeURIComponent(target.email.toUpperCase())}`)
    expect(ids(page)).toEqual([target.user.id])
  })

  it('searches last name or email fragments, case-insensitively, with LIKE characters taken literally', async () => {
    const deray = await list('?search=ERAY&page_size=100')
    expect(deray.page.count).toBe(6) // "Deray" and "deray"
    const byEmail = await list('?search=malkovitch.2&page_size=100')
    expect(byEmail.page.results.map((u) => u.email)).toEqual(['malkovitch.2@Example.CH'])
    const underscore = await list('?search=o_b&page_size=100')
    expect(underscore.page.results.every((u) => u.last_name === 'O_Brien')).toBe(true)
    expect(underscore.page.count).toBe(3)
    const percent = await list('?search=a%25y&page_size=100')
    expect(percent.page.count).toBe(0)
    const short = await t.app.inject({ url: '/api/v1/users?search=de', headers: admin.auth })
    expect(short.statusCode).toBe(400)
    expect(short.json().errors[0].parameter).toBe('search')
  })

  it('filters by id range with since_id (exclusive) and max_id (exclusive)', async () => {
    const [a, b] = [people[2]!.user.id, people[6]!.user.id]
    const { page } = await list(`?since_id=${a}&max_id=${b}`)
    expect(ids(page)).toEqual(everyone().filter((id) => id > a && id < b))
  })

  it('filters by creation time', async () => {
    const pivot = people[10]!.user.created_at
    const after = await list(`?created_after=${encodeURIComponent(pivot)}&page_size=100`)
    const before = await list(`?created_before=${encodeURIComponent(pivot)}&page_size=100`)
    const all = [admin, ...people].map((p) => p.user)
    expect(ids(after.page)).toEqual(all.filter((u) => u.created_at > pivot).map((u) => u.id))
    expect(ids(before.page)).toEqual(all.filter((u) => u.created_at < pivot).map((u) => u.id))
    const bad = await t.app.inject({ url: '/api/v1/users?created_after=yesterday', headers: admin.auth })
    expect(bad.statusCode).toBe(400)
  })

  it('filters by country (no sign-up has one until the geolocation gate records it)', async () => {
    expect((await list('?country=CH')).page.count).toBe(0)
    const bad = await t.app.inject({ url: '/api/v1/users?country=Switzerland', headers: admin.auth })
    expect(bad.statusCode).toBe(400)
  })

  it('orders by last name, email and creation time, ascending or descending, ties by id', async () => {
    const byName = (await list('?ordering=last_name&page_size=100')).page.results
    // Only names whose order no collation disputes (plain ASCII, one case), ties by id.
    const stable = ['Abbott', 'Deray', 'Karamazov', 'Malkovitch', 'Zola']
    const seen = byName.filter((u) => stable.includes(u.last_name))
    expect(seen.map((u) => u.last_name)).toEqual(stable.flatMap((n) => Array(3).fill(n)))
    for (let i = 1; i < seen.length; i++) {
      if (seen[i]!.last_name === seen[i - 1]!.last_name) expect(seen[i]!.id).toBeGreaterThan(seen[i - 1]!.id)
    }
    const desc = (await list('?ordering=-email&page_size=100')).page.results.map((u) => u.email.toLowerCase())
    expect(desc).toEqual([...desc].sort().reverse())
    const unknown = await t.app.inject({ url: '/api/v1/users?ordering=password_hash', headers: admin.auth })
    expect(unknown.statusCode).toBe(400)
  })
})
