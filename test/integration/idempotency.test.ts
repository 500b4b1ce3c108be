import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import {
  backend,
  createTestApp,
  PUBLIC_URL,
  type TestApp,
  type TestUser,
  uniqueEmail,
} from '../helpers/app.js'

let t: TestApp
let owner: TestUser
beforeAll(async () => {
  t = await createTestApp()
  owner = await t.make.user()
})
afterAll(() => t.close())

const createDocument = (key: string, payload: object = { title: 'Invoice', content: 'x' }, who = owner) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/documents',
    headers: { ...who.auth, 'idempotency-key': key },
    payload,
  })

const countDocuments = async (title: string) =>
  (await t.db.selectFrom('documents').select('id').where('title', '=', title).execute()).length

describe(`Idempotency-Key (${backend})`, () => {
  it('a retried POST replays the first response (status, body, Location, ETag) and creates nothing more', async () => {
    const key = randomUUID()
    const payload = { title: 'Replayed once', content: 'x' }
    const first = await createDocument(key, payload)
    expect(first.statusCode).toBe(201)
    const retry = await createDocument(key, payload)
    expect(retry.statusCode).toBe(201)
    expect(retry.body).toBe(first.body)
    expect(retry.headers.location).toBe(first.headers.location)
    expect(retry.headers.etag).toBe(first.headers.etag)
    expect(retry.headers['content-type']).toBe(first.headers['content-type'])
    expect(retry.headers['idempotent-replayed']).toBe('true')
    expect(first.headers['idempotent-replayed']).toBeUndefined()
    expect(await countDocuments('Replayed once')).toBe(1)
    // The key in Structured Field form ("…", as the draft writes it) is the same key.
    const quoted = await createDocument(`"${key}"`, payload)
    expect(quoted.headers['idempotent-replayed']).toBe('true')
  })

  it('the same key with another request is a 422; without a key every POST creates', async () => {
    const key = randomUUID()
    expect((await createDocument(key, { title: 'First', content: 'a' })).statusCode).toBe(201)
    const reused = await createDocument(key, { title: 'Second', content: 'b' })
    expect(reused.statusCode).toBe(422)
    expect(reused.json()).toMatchObject({ code: 'idempotency_key_reused' })
    expect(await countDocuments('Second')).toBe(0)
    for (let i = 0; i < 2; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/documents',
        headers: owner.auth,
        payload: { title: 'No key', content: 'x' },
      })
      expect(res.statusCode).toBe(201)
    }
    expect(await countDocuments('No key')).toBe(2)
  })

  it('keys are per caller: another user with the same key gets their own result', async () => {
    const key = randomUUID()
    const other = await t.make.user()
    const mine = await createDocument(key, { title: 'Per caller', content: 'x' })
    const theirs = await createDocument(key, { title: 'Per caller', content: 'x' }, other)
    expect(theirs.statusCode).toBe(201)
    expect(theirs.headers['idempotent-replayed']).toBeUndefined()
    expect(theirs.json().id).not.toBe(mine.json().id)
  })

  it('an error response is replayed too (a retried sign-up with a taken email stays 409), a 400 is not stored', async () => {
    const key = randomUUID()
    const body = { email: owner.email, password: 'a-long-password', first_name: 'A', last_name: 'B' }
    const signUp = (payload: object) =>
      t.app.inject({ method: 'POST', url: '/api/v1/users', headers: { 'idempotency-key': key }, payload })
    const first = await signUp(body)
    expect(first.statusCode).toBe(409)
    const retry = await signUp(body)
    expect(retry.statusCode).toBe(409)
    expect(retry.headers['idempotent-replayed']).toBe('true')
    // A request refused by validation never claimed the key: fixed, it runs.
    const key2 = randomUUID()
    const invalid = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { 'idempotency-key': key2 },
      payload: { ...body, email: 'not-an-email' },
    })
    expect(invalid.statusCode).toBe(400)
    const fixed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { 'idempotency-key': key2 },
      payload: { ...body, email: uniqueEmail() },
    })
    expect(fixed.statusCode).toBe(201)
  })

  it('PATCH with a key: the retry does not bump the version again', async () => {
    const doc = (await createDocument(randomUUID(), { title: 'Patched', content: 'x' })).json()
    const key = randomUUID()
    const patch = () =>
      t.app.inject({
        method: 'PATCH',
        url: `/api/v1/documents/${doc.id}`,
        headers: { ...owner.auth, 'idempotency-key': key, 'if-match': '"v1"' },
        payload: { title: 'Patched again' },
      })
    const first = await patch()
    expect(first.statusCode).toBe(200)
    expect(first.headers.etag).toBe('"v2"')
    // Without the key, the same If-Match would now be a 412; with it, the first answer comes back.
    const retry = await patch()
    expect(retry.statusCode).toBe(200)
    expect(retry.headers.etag).toBe('"v2"')
  })

  it('while the first request runs, a retry is a 409 with Retry-After', async () => {
    const key = randomUUID()
    const scope = `user:${owner.user.id}`
    await t.db
      .insertInto('idempotency_keys')
      .values({
        scope,
        key,
        fingerprint: 'in flight elsewhere',
        locked_until: new Date(Date.now() + 60_000),
        expires_at: new Date(Date.now() + 86_400_000),
      })
      .execute()
    // Its fingerprint differs: 422. With the same request (fingerprint), 409 while in flight.
    expect((await createDocument(key)).statusCode).toBe(422)
    const payload = { title: 'In flight', content: 'x' }
    const probe = randomUUID()
    await createDocument(probe, payload)
    const { fingerprint, holder } = await t.db
      .selectFrom('idempotency_keys')
      .select(['fingerprint', 'holder'])
      .where('key', '=', probe)
      .executeTakeFirstOrThrow()
    // The first request was claimed by an instance that holds its liveness lock: this one.
    expect(holder).toBeTypeOf('number')
    const inFlight = (set: { holder?: number | null; locked_until?: Date }) =>
      t.db.updateTable('idempotency_keys').set(set).where('key', '=', key).execute()
    await t.db.updateTable('idempotency_keys').set({ fingerprint }).where('key', '=', key).execute()
    const busy = await createDocument(key, payload)
    expect(busy.statusCode).toBe(409)
    expect(busy.json()).toMatchObject({ code: 'idempotency_key_in_flight' })
    expect(busy.headers['retry-after']).toBe('1')
    // Held by a live instance, however long it takes (up to the 60 s hold): still 409.
    await inFlight({ holder })
    expect((await createDocument(key, payload)).statusCode).toBe(409)
    // Held by an instance that died (nobody holds its liveness lock): the retry runs it again at once.
    await inFlight({ holder: holder === 1 ? 2 : (holder as number) - 1 })
    expect((await createDocument(key, payload)).statusCode).toBe(201)
    expect(await countDocuments('In flight')).toBe(2)
  })

  it('a first request with no known holder keeps its key until its hold runs out', async () => {
    const key = randomUUID()
    const payload = { title: 'Held by lease', content: 'x' }
    expect((await createDocument(key, payload)).statusCode).toBe(201)
    // As if it were still running, not committed yet, on an instance that could not take its liveness lock.
    await t.db
      .updateTable('idempotency_keys')
      .set({
        holder: null,
        committed_to: null,
        response_status: null,
        locked_until: new Date(Date.now() + 60_000),
      })
      .where('key', '=', key)
      .execute()
    expect((await createDocument(key, payload)).statusCode).toBe(409)
    await t.db
      .updateTable('idempotency_keys')
      .set({ locked_until: new Date(Date.now() - 1) })
      .where('key', '=', key)
      .execute()
    expect((await createDocument(key, payload)).statusCode).toBe(201)
    expect(await countDocuments('Held by lease')).toBe(2)
  })

  it('a retry after the first took effect but died before storing its answer is a 303 to what it made', async () => {
    const key = randomUUID()
    const payload = { title: 'Made once', content: 'x' }
    const first = await createDocument(key, payload)
    expect(first.statusCode).toBe(201)
    const id = first.json().id as number
    // The change's own transaction marked the key.
    const row = await t.db
      .selectFrom('idempotency_keys')
      .select(['committed_to', 'holder'])
      .where('key', '=', key)
      .executeTakeFirstOrThrow()
    expect(row.committed_to).toBe(`documents/${id}`)
    // As if its instance died between the commit and storing the answer.
    const lost = (holder: number | null) =>
      t.db
        .updateTable('idempotency_keys')
        .set({ response_status: null, response_body: null, response_headers: null, holder })
        .where('key', '=', key)
        .execute()
    await lost(row.holder)
    // Its instance still lives (it may store the answer yet): 409, retry.
    expect((await createDocument(key, payload)).statusCode).toBe(409)
    await lost((row.holder as number) === 1 ? 2 : (row.holder as number) - 1)
    const retry = await createDocument(key, payload)
    expect(retry.statusCode).toBe(303)
    expect(retry.headers.location).toBe(`${PUBLIC_URL}/api/v1/documents/${id}`)
    expect(await countDocuments('Made once')).toBe(1)
    // An anonymous sign-up marks its key too.
    const signUp = {
      method: 'POST' as const,
      url: '/api/v1/users',
      headers: { 'idempotency-key': key },
      payload: { email: uniqueEmail(), password: 'a-long-Secret', first_name: 'A', last_name: 'B' },
    }
    const created = await t.app.inject(signUp)
    expect(created.statusCode).toBe(201)
    const signUpKey = await t.db
      .selectFrom('idempotency_keys')
      .select('committed_to')
      .where('key', '=', key)
      .where('scope', 'like', 'ip:%')
      .executeTakeFirstOrThrow()
    expect(signUpKey.committed_to).toBe(`users/${created.json().id}`)
  })

  it('keys expire after 24 h: an expired key is a new request', async () => {
    const key = randomUUID()
    const payload = { title: 'Expiring', content: 'x' }
    await createDocument(key, payload)
    await t.db
      .updateTable('idempotency_keys')
      .set({ expires_at: new Date(Date.now() - 1) })
      .where('key', '=', key)
      .execute()
    const again = await createDocument(key, payload)
    expect(again.headers['idempotent-replayed']).toBeUndefined()
    expect(await countDocuments('Expiring')).toBe(2)
  })

  it('is documented on every POST and PATCH of the API but sign-in', async () => {
    const spec = t.app.swagger() as {
      paths: Record<string, Record<string, { parameters?: { name: string }[] }>>
    }
    const writes = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method]) => method === 'post' || method === 'patch')
        .map(([method, op]) => ({
          op: `${method} ${path}`,
          keyed: op.parameters?.some((p) => p.name === 'idempotency-key'),
        })),
    )
    expect(writes.filter((w) => !w.keyed).map((w) => w.op)).toEqual(['post /api/v1/tokens'])
    expect(writes.length).toBeGreaterThan(5)
  })

  it.skipIf(backend === 'pglite')(
    'is shared by instances: a retry through another instance replays',
    async () => {
      const config = loadConfig({ PUBLIC_URL, GEO_ALLOW_UNKNOWN: 'true', RATE_LIMIT_MAX: '100000' })
      const other = await buildApp({ config, database: t.database, logStream: false })
      try {
        const key = randomUUID()
        const payload = { title: 'Two instances', content: 'x' }
        const first = await createDocument(key, payload)
        const retry = await other.inject({
          method: 'POST',
          url: '/api/v1/documents',
          headers: { ...owner.auth, 'idempotency-key': key },
          payload,
        })
        expect(retry.headers['idempotent-replayed']).toBe('true')
        expect(retry.body).toBe(first.body)
        // Concurrent first requests through both instances: one runs, the other waits its turn (409) or replays.
        const key2 = randomUUID()
        const results = await Promise.all([
          createDocument(key2, { title: 'Raced', content: 'x' }),
          other.inject({
            method: 'POST',
            url: '/api/v1/documents',
            headers: { ...owner.auth, 'idempotency-key': key2 },
            payload: { title: 'Raced', content: 'x' },
          }),
        ])
        expect(results.map((r) => r.statusCode).sort()).toContainEqual(201)
        expect(await countDocuments('Raced')).toBe(1)
      } finally {
        await other.close()
      }
    },
  )
})
