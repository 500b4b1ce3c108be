import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backend, createTestApp, type TestApp, uniqueEmail } from '../helpers/app.js'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
afterAll(() => t.close())

// On PostgreSQL the requests truly overlap (a pool of connections); PGlite serialises them.
describe(`concurrent writes (${backend})`, () => {
  it('of two simultaneous sign-ups with one email in different case, exactly one wins', async () => {
    for (let round = 0; round < 10; round++) {
      const email = uniqueEmail('race')
      const signUp = (address: string) =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/users',
          payload: { email: address, password: 'raced-Password1', first_name: 'R', last_name: 'C' },
        })
      const results = await Promise.all([signUp(email.toLowerCase()), signUp(email.toUpperCase())])
      expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409])
      expect(results.find((r) => r.statusCode === 409)!.json().code).toBe('email_taken')
      const rows = await t.db
        .selectFrom('users')
        .select('id')
        .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
        .execute()
      expect(rows).toHaveLength(1)
    }
  })

  it('of two writes with the same If-Match, exactly one applies and the other gets 412', async () => {
    const me = await t.make.user()
    const read = await t.app.inject({ url: `/api/v1/users/${me.user.id}`, headers: me.auth })
    const patch = (address: string) =>
      t.app.inject({
        method: 'PATCH',
        url: `/api/v1/users/${me.user.id}`,
        headers: { ...me.auth, 'if-match': String(read.headers.etag) },
        payload: { address },
      })
    const results = await Promise.all([patch('one'), patch('two')])
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 412])
    const winner = results.find((r) => r.statusCode === 200)!.json().address
    const after = await t.app.inject({ url: `/api/v1/users/${me.user.id}`, headers: me.auth })
    expect(after.json().address).toBe(winner)
  })
})
