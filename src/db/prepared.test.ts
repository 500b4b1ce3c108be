import { describe, expect, it } from 'vitest'
import { prepared } from './prepared.js'

describe('prepared', () => {
  it('runs the SQL Kysely compiled once, with the values of each call in their places', async () => {
    const seen: { sql: string; parameters: readonly unknown[] }[] = []
    const db = {
      executeQuery: async (query: { sql: string; parameters: readonly unknown[] }) => {
        seen.push(query)
        return { rows: [] }
      },
    }
    const find = prepared(['id', 'email'], (k, p) =>
      k
        .selectFrom('users')
        .select('id')
        .where('role', '=', 'admin')
        .where('id', '=', p.id)
        .where('email', '=', p.email),
    )
    await find(db as never, { id: 7, email: 'a@b.ch' })
    await find(db as never, { id: 8, email: 'c@d.ch' })
    expect(seen[0]?.sql).toBe('select "id" from "users" where "role" = $1 and "id" = $2 and "email" = $3')
    expect(seen.map((q) => q.parameters)).toEqual([
      ['admin', 7, 'a@b.ch'],
      ['admin', 8, 'c@d.ch'],
    ])
  })
})
