import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Document, DocumentSummary } from '../../src/modules/documents/documents.schemas.js'
import { createTestApp, PUBLIC_URL, type TestApp, type TestUser } from '../helpers/app.js'

interface Page {
  count: number | null
  next: string | null
  previous: string | null
  results: DocumentSummary[]
}

let t: TestApp
let admin: TestUser
let owner: TestUser
let other: TestUser
const mine: Document[] = []
let theirs: Document
const TITLES = ['Zebra notes', 'apple pie', 'Budget 100%', 'budget_draft', 'Cherry', 'Minutes']
const TYPES = ['text/plain', 'text/markdown', 'application/json'] as const

beforeAll(async () => {
  t = await createTestApp({ REQUIRE_IF_MATCH: 'true' })
  admin = await t.make.admin()
  owner = await t.make.user()
  other = await t.make.user()
  for (let i = 0; i < 12; i++) {
    const type = TYPES[i % 3]!
    mine.push(
      await t.make.document(owner, {
        title: TITLES[i % TITLES.length]!,
        content: type === 'application/json' ? `{"n": ${i}}` : `Body ${i} mentions the Quarterly Report`,
        content_type: type,
      }),
    )
  }
  theirs = await t.make.document(other, { title: 'Zebra notes', content: 'quarterly report too' })
})
afterAll(() => t.close())

const list = async (query: string, as: TestUser = owner) => {
  const res = await t.app.inject({ url: `/api/v1/documents${query}`, headers: as.auth })
  expect(res.statusCode, res.body).toBe(200)
  return res.json<Page>()
}
const ids = (page: Page) => page.results.map((d) => d.id)
const mineIds = () => mine.map((d) => d.id)

describe('GET /documents', () => {
  it('pages a user’s own documents, without content, with count and absolute links', async () => {
    const page = await list('?page=2&page_size=5')
    expect(page.count).toBe(12)
    expect(ids(page)).toEqual(mineIds().slice(5, 10))
    expect(page.next).toBe(`${PUBLIC_URL}/api/v1/documents?page_size=5&page=3`)
    expect(page.results[0]).not.toHaveProperty('content')
    expect(page.results[0]).toMatchObject({ url: mine[5]!.url, title: mine[5]!.title, aliases: [] })
  })

  it('an admin sees everyone’s and can filter by owner; a user’s owner_id filter never widens', async () => {
    const all = await list('?page_size=100', admin)
    expect(ids(all)).toEqual(expect.arrayContaining([...mineIds(), theirs.id]))
    expect(ids(await list(`?owner_id=${other.user.id}`, admin))).toEqual([theirs.id])
    expect((await list(`?owner_id=${other.user.id}`)).results).toEqual([])
  })

  it('search is a case-insensitive fragment of title or content; % and _ are literal', async () => {
    const inContent = await list('?search=QUARTERLY&page_size=100')
    expect(ids(inContent)).toEqual(mine.filter((d) => d.content.includes('Quarterly')).map((d) => d.id))
    expect(ids(await list('?search=zebra'))).toEqual(
      mine.filter((d) => d.title === 'Zebra notes').map((d) => d.id),
    )
    expect(ids(await list('?search=100%25'))).toEqual(
      mine.filter((d) => d.title === 'Budget 100%').map((d) => d.id),
    )
    expect(ids(await list('?search=t_d'))).toEqual(
      mine.filter((d) => d.title === 'budget_draft').map((d) => d.id),
    )
    const short = await t.app.inject({ url: '/api/v1/documents?search=ab', headers: owner.auth })
    expect(short.statusCode).toBe(400)
  })

  it('filters by content type, creation time and id range', async () => {
    expect(ids(await list('?content_type=application/json'))).toEqual(
      mine.filter((d) => d.content_type === 'application/json').map((d) => d.id),
    )
    const pivot = mine[6]!
    const after = await list(`?created_after=${encodeURIComponent(pivot.created_at)}&page_size=100`)
    expect(ids(after).every((id) => mine.find((d) => d.id === id)!.created_at > pivot.created_at)).toBe(true)
    expect(ids(after)).toContain(mine[11]!.id)
    const before = await list(`?created_before=${encodeURIComponent(pivot.created_at)}&page_size=100`)
    expect(ids(before)).toContain(mine[0]!.id)
    expect(ids(before)).not.toContain(pivot.id)
    expect(ids(await list(`?since_id=${mine[9]!.id}`))).toEqual(mineIds().slice(10))
    expect(ids(await list(`?max_id=${mine[2]!.id}`))).toEqual(mineIds().slice(0, 2))
  })

  it('orders by title, created_at and updated_at, either way, ties broken by id', async () => {
    const byTitle = await list('?ordering=title&page_size=100')
    expect(new Set(byTitle.results.map((d) => d.title))).toEqual(new Set(TITLES))
    expect(ids(await list('?ordering=-title&page_size=100'))).toEqual([...ids(byTitle)].reverse())
    const desc = await list('?ordering=-created_at&page_size=100')
    expect(ids(desc)).toEqual([...mineIds()].reverse())
    const touched = mine[3]!
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/documents/${touched.id}`,
      headers: { ...owner.auth, 'if-match': '"v1"' },
      payload: { title: touched.title },
    })
    expect(patched.statusCode).toBe(200)
    expect(ids(await list('?ordering=-updated_at'))[0]).toBe(touched.id)
    const bad = await t.app.inject({ url: '/api/v1/documents?ordering=content', headers: owner.auth })
    expect(bad.statusCode).toBe(400)
  })

  it('cursor pages walk the same list as page numbers, in any ordering', async () => {
    for (const ordering of ['id', '-title', 'created_at']) {
      const numbered = await list(`?ordering=${ordering}&page_size=100`)
      const seen: number[] = []
      let url: string | null = `?ordering=${ordering}&page_size=5&cursor=`
      while (url) {
        const page: Page = await list(url)
        expect(page.count).toBeNull()
        seen.push(...ids(page))
        url = page.next?.replace(`${PUBLIC_URL}/api/v1/documents`, '') ?? null
      }
      expect(seen, ordering).toEqual(ids(numbered))
    }
  })

  it('archived documents are not listed', async () => {
    const doc = await t.make.document(owner, { title: 'Ephemeral' })
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/documents/${doc.id}`,
      headers: { ...owner.auth, 'if-match': '"v1"' },
    })
    expect(deleted.statusCode).toBe(200)
    expect(ids(await list('?search=ephemeral'))).toEqual([])
    expect(ids(await list('?page_size=100'))).not.toContain(doc.id)
  })

  it('with REQUIRE_IF_MATCH a write without If-Match is a 428', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/documents/${mine[0]!.id}/aliases/needs-match`,
      headers: owner.auth,
    })
    expect(res.statusCode).toBe(428)
    expect(res.json().code).toBe('precondition_required')
  })
})
