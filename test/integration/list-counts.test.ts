import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backend, createTestApp, type TestApp, type TestUser } from '../helpers/app.js'

let t: TestApp
let admin: TestUser
const MANY = 1500
beforeAll(async () => {
  t = await createTestApp()
  admin = await t.make.admin()
  await sql`
    INSERT INTO users (email, password_hash, first_name, last_name)
    SELECT 'bulk' || i || '@example.ch', 'x', 'Bulk', 'Row' || i FROM generate_series(1, ${MANY}) i`.execute(
    t.db,
  )
  await sql`ANALYZE users`.execute(t.db)
})
afterAll(() => t.close())

const list = (query: string, prefer?: string) =>
  t.app.inject({ url: `/api/v1/users${query}`, headers: { ...admin.auth, ...(prefer && { prefer }) } })

describe(`list counts (${backend})`, () => {
  it('counts exactly up to 1,000 matches, and says so', async () => {
    const res = await list('?last_name=Row7&page_size=5')
    expect(res.json()).toMatchObject({ count: 1, count_kind: 'exact' })
    const some = await list('?since_id=1000&page_size=5')
    const body = some.json()
    // Ids 1001 to MANY + 1 (the admin is id 1).
    expect(body).toMatchObject({ count: MANY + 1 - 1000, count_kind: 'exact' })
    expect(some.headers['preference-applied']).toBeUndefined()
    expect(some.headers.link).toContain('rel="last"')
  })

  it('estimates a large count by default, with next links that are still exact', async () => {
    const res = await list('?page_size=100')
    const body = res.json()
    expect(body.count_kind).toBe('estimated')
    // More than were counted exactly; the planner's figure, close to the truth after ANALYZE.
    expect(body.count).toBeGreaterThan(1000)
    expect(Math.abs(body.count - (MANY + 1))).toBeLessThan(MANY * 0.2)
    expect(body.next).toMatch(/page=2/)
    // No last page is promised from an estimate.
    expect(res.headers.link).not.toContain('rel="last"')
    const last = await list('?page_size=100&page=16')
    expect(last.json()).toMatchObject({ next: null })
    expect(last.json().results).toHaveLength(1)
  })

  it('Prefer: count=exact counts every match and says it was applied', async () => {
    const res = await list('?page_size=100', 'count=exact')
    expect(res.json()).toMatchObject({ count: MANY + 1, count_kind: 'exact' })
    expect(res.headers['preference-applied']).toBe('count=exact')
    expect(res.headers.link).toContain('page=16>; rel="last"')
    const both = await list('?page_size=100', 'return=minimal, count=estimated')
    expect(both.headers['preference-applied']).toBe('count=estimated')
  })

  it('reuses an estimate for a few seconds, while an exact count is always counted afresh', async () => {
    const estimated = (await list('?page_size=10')).json()
    expect(estimated.count_kind).toBe('estimated')
    await sql`
      INSERT INTO users (email, password_hash, first_name, last_name)
      SELECT 'more' || i || '@example.ch', 'x', 'More', 'Row' || i FROM generate_series(1, 2000) i`.execute(
      t.db,
    )
    await sql`ANALYZE users`.execute(t.db)
    // The same filter within ESTIMATE_REUSE_MS: the figure made a moment ago, still called an estimate.
    expect((await list('?page_size=10')).json()).toMatchObject({
      count: estimated.count,
      count_kind: 'estimated',
    })
    // Exact counts see the new rows at once.
    expect((await list('?page_size=10', 'count=exact')).json()).toMatchObject({
      count: MANY + 1 + 2000,
      count_kind: 'exact',
    })
    await sql`DELETE FROM users WHERE email LIKE 'more%'`.execute(t.db)
    await sql`ANALYZE users`.execute(t.db)
  })

  it('cursor pages never count', async () => {
    expect((await list('?cursor=', 'count=exact')).json()).toMatchObject({ count: null, count_kind: null })
  })
})
