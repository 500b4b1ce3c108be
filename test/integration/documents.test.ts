import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Document } from '../../src/modules/documents/documents.schemas.js'
import { backend, createTestApp, PUBLIC_URL, type TestApp, type TestUser } from '../helpers/app.js'

let t: TestApp
let admin: TestUser
let owner: TestUser
let other: TestUser
beforeAll(async () => {
  t = await createTestApp({ DOCUMENT_MAX_BYTES: '2048' })
  admin = await t.make.admin()
  owner = await t.make.user()
  other = await t.make.user()
})
afterAll(() => t.close())

let sequence = 0
/** A fresh alias per call, so tests never collide on the unique aliases. */
const alias = (name = 'doc') => `${name}-${process.pid}-${++sequence}`
const docUrl = (ref: number | string) => `/api/v1/documents/${ref}`
const archiveUrl = (id: number) => `/api/v1/documents/${id}/deleted`
const request = (
  as: TestUser,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  extra: { payload?: unknown; headers?: Record<string, string> } = {},
) =>
  t.app.inject({
    method,
    url,
    headers: { ...as.auth, ...extra.headers },
    ...(extra.payload !== undefined && { payload: extra.payload as object }),
  })
const aliasesIn = async (as: TestUser, url: string) =>
  ((await request(as, 'GET', `${url}?page_size=100`)).json().results as { alias: string }[]).map(
    (a) => a.alias,
  )

describe('documents: create and read', () => {
  it('POST answers 201 with Location, ETag and the document; id and alias read the same', async () => {
    const [a, b] = [alias('b'), alias('a')]
    const res = await request(owner, 'POST', '/api/v1/documents', {
      payload: { title: 'Plan', content: '# Plan\nfirst', content_type: 'text/markdown', aliases: [a, b] },
    })
    expect(res.statusCode).toBe(201)
    const doc = res.json<Document>()
    expect(doc).toEqual({
      url: `${PUBLIC_URL}${docUrl(doc.id)}`,
      id: doc.id,
      title: 'Plan',
      content: '# Plan\nfirst',
      content_type: 'text/markdown',
      aliases: [b, a].sort(),
      owner_id: owner.user.id,
      created_at: expect.any(String),
      updated_at: doc.created_at,
    })
    expect(res.headers.location).toBe(doc.url)
    expect(res.headers.etag).toBe('"v1"')
    for (const ref of [doc.id, a, b]) {
      const read = await request(owner, 'GET', docUrl(ref))
      expect(read.statusCode, String(ref)).toBe(200)
      expect(read.json()).toEqual(doc)
      expect(read.headers.etag).toBe('"v1"')
    }
    const notModified = await request(owner, 'GET', docUrl(a), { headers: { 'if-none-match': '"v1"' } })
    expect(notModified.statusCode).toBe(304)
  })

  it('an admin reads anyone’s document', async () => {
    const doc = await t.make.document(owner)
    expect((await request(admin, 'GET', docUrl(doc.id))).json().id).toBe(doc.id)
  })

  it('refuses bad input with every problem at once: content type, missing title, unknown field', async () => {
    const res = await request(owner, 'POST', '/api/v1/documents', {
      payload: { content: 'x', content_type: 'text/html', colour: 'red' },
    })
    expect(res.statusCode).toBe(400)
    const pointers = res.json().errors.map((e: { pointer: string }) => e.pointer)
    expect(pointers).toEqual(expect.arrayContaining(['/title', '/content_type', '/colour']))
  })

  it('JSON content must parse: 400 validation_failed pointing at /content', async () => {
    const res = await request(owner, 'POST', '/api/v1/documents', {
      payload: { title: 'Config', content: '{"a": 1,', content_type: 'application/json' },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'validation_failed', errors: [{ pointer: '/content' }] })
    const ok = await request(owner, 'POST', '/api/v1/documents', {
      payload: { title: 'Config', content: '{"a": [1, 2]}', content_type: 'application/json' },
    })
    expect(ok.statusCode).toBe(201)
  })

  it('content over DOCUMENT_MAX_BYTES (UTF-8 bytes, not characters) is a 413', async () => {
    // 1,000 "é" are 2,000 bytes: under the 2,048 of this app. 1,100 are 2,200 bytes, in 1,100 characters.
    const fits = await request(owner, 'POST', '/api/v1/documents', {
      payload: { title: 'Accents', content: 'é'.repeat(1000), content_type: 'text/plain' },
    })
    expect(fits.statusCode).toBe(201)
    const tooBig = await request(owner, 'POST', '/api/v1/documents', {
      payload: { title: 'Accents', content: 'é'.repeat(1100), content_type: 'text/plain' },
    })
    expect(tooBig.statusCode).toBe(413)
    expect(tooBig.json()).toMatchObject({
      code: 'payload_too_large',
      detail: expect.stringContaining('2048'),
    })
    const patch = await request(owner, 'PATCH', docUrl(fits.json().id), {
      payload: { content: 'x'.repeat(2049) },
    })
    expect(patch.statusCode).toBe(413)
    // A body over the routes' own limit never reaches the check, and is a 413 all the same.
    const huge = await request(owner, 'POST', '/api/v1/documents', {
      payload: { title: 'Huge', content: 'x'.repeat(2 * 1_048_576), content_type: 'text/plain' },
    })
    expect(huge.statusCode).toBe(413)
    expect(huge.json().code).toBe('payload_too_large')
  })

  it('{ref}: digits are an id (0 is a 400), anything that cannot be an alias names nothing (404)', async () => {
    expect((await request(owner, 'GET', docUrl(0))).statusCode).toBe(400)
    expect((await request(owner, 'GET', docUrl('99999999999999999999'))).statusCode).toBe(400)
    for (const ref of ['999999999', 'no-such-alias', 'Upper-Case', 'under_score', 'a'.repeat(64)]) {
      const res = await request(owner, 'GET', docUrl(ref))
      expect(res.statusCode, ref).toBe(404)
      expect(res.json().code, ref).toBe('not_found')
    }
  })
})

describe('documents: writes', () => {
  it('PUT replaces, PATCH merges; both by id or alias, each bumping the ETag', async () => {
    const name = alias()
    const doc = await t.make.document(owner, { aliases: [name] })
    const put = await request(owner, 'PUT', docUrl(name), {
      payload: { title: 'Replaced', content: '[1]', content_type: 'application/json' },
      headers: { 'if-match': '"v1"' },
    })
    expect(put.statusCode).toBe(200)
    expect(put.json()).toMatchObject({ title: 'Replaced', content: '[1]', aliases: [name] })
    expect(put.headers.etag).toBe('"v2"')
    const patch = await request(owner, 'PATCH', docUrl(doc.id), {
      payload: { title: 'Patched' },
      headers: { 'content-type': 'application/merge-patch+json' },
    })
    expect(patch.json()).toMatchObject({ title: 'Patched', content: '[1]', content_type: 'application/json' })
    expect(patch.headers.etag).toBe('"v3"')
    expect(Date.parse(patch.json().updated_at)).toBeGreaterThanOrEqual(Date.parse(doc.updated_at))
  })

  it('PATCH to application/json checks the content the document keeps', async () => {
    const doc = await t.make.document(owner, { content: 'not json' })
    const res = await request(owner, 'PATCH', docUrl(doc.id), {
      payload: { content_type: 'application/json' },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().errors).toEqual([{ pointer: '/content', detail: expect.stringContaining('JSON') }])
  })

  it('aliases are not writable by PUT or PATCH (they have their own routes)', async () => {
    const doc = await t.make.document(owner)
    const res = await request(owner, 'PATCH', docUrl(doc.id), { payload: { aliases: ['x-y'] } })
    expect(res.statusCode).toBe(400)
  })

  it('If-Match: a stale ETag is a 412 and changes nothing; return=minimal is a 204 with the ETag', async () => {
    const doc = await t.make.document(owner)
    const stale = await request(owner, 'PATCH', docUrl(doc.id), {
      payload: { title: 'Lost' },
      headers: { 'if-match': '"v9"' },
    })
    expect(stale.statusCode).toBe(412)
    expect((await request(owner, 'GET', docUrl(doc.id))).json().title).toBe(doc.title)
    const minimal = await request(owner, 'PATCH', docUrl(doc.id), {
      payload: { title: 'Kept' },
      headers: { 'if-match': '"v1"', prefer: 'return=minimal' },
    })
    expect(minimal.statusCode).toBe(204)
    expect(minimal.headers.etag).toBe('"v2"')
    expect(minimal.body).toBe('')
  })
})

describe('aliases', () => {
  it('must match the pattern: lowercase, starting with a letter, not numeric, not deleted/aliases', async () => {
    const doc = await t.make.document(owner)
    for (const bad of ['Upper', '1abc', '123', 'deleted', 'aliases', 'a_b', `a${'b'.repeat(63)}`]) {
      const res = await request(owner, 'PUT', `${docUrl(doc.id)}/aliases/${bad}`)
      expect(res.statusCode, bad).toBe(400)
      expect(res.json().errors[0].parameter, bad).toBe('alias')
    }
    const post = await request(owner, 'POST', '/api/v1/documents', {
      payload: { title: 'x', content: 'y', content_type: 'text/plain', aliases: ['deleted'] },
    })
    expect(post.statusCode).toBe(400)
    expect(post.json().errors[0].pointer).toBe('/aliases/0')
    const longest = `a${'b'.repeat(62)}`
    expect((await request(owner, 'PUT', `${docUrl(doc.id)}/aliases/${longest}`)).statusCode).toBe(201)
  })

  it('PUT is idempotent: 201 and a new ETag the first time, 200 and nothing changed the second', async () => {
    const doc = await t.make.document(owner)
    const name = alias()
    const first = await request(owner, 'PUT', `${docUrl(doc.id)}/aliases/${name}`)
    expect(first.statusCode).toBe(201)
    expect(first.headers.location).toBe(`${PUBLIC_URL}${docUrl(name)}`)
    expect(first.headers.etag).toBe('"v2"')
    expect(first.json().aliases).toEqual([name])
    const again = await request(owner, 'PUT', `${docUrl(doc.id)}/aliases/${name}`)
    expect(again.statusCode).toBe(200)
    expect(again.headers.etag).toBe('"v2"')
    expect((await request(owner, 'GET', docUrl(name))).json().id).toBe(doc.id)
    // The document can be addressed by an alias here too.
    const second = alias()
    expect((await request(owner, 'PUT', `${docUrl(name)}/aliases/${second}`)).json().aliases).toEqual(
      [name, second].sort(),
    )
    expect(await aliasesIn(owner, `${docUrl(doc.id)}/aliases`)).toEqual([name, second].sort())
  })

  it('DELETE removes an alias (new ETag); it stops resolving and is free; a second DELETE is a 404', async () => {
    const name = alias()
    const doc = await t.make.document(owner, { aliases: [name] })
    const res = await request(owner, 'DELETE', `${docUrl(doc.id)}/aliases/${name}`)
    expect(res.statusCode).toBe(200)
    expect(res.json().aliases).toEqual([])
    expect(res.headers.etag).toBe('"v2"')
    expect((await request(owner, 'GET', docUrl(name))).statusCode).toBe(404)
    expect((await request(owner, 'DELETE', `${docUrl(doc.id)}/aliases/${name}`)).statusCode).toBe(404)
    const elsewhere = await t.make.document(other)
    expect((await request(other, 'PUT', `${docUrl(elsewhere.id)}/aliases/${name}`)).statusCode).toBe(201)
  })

  it('an alias of a live document is taken: 409 alias_taken, linked only for callers who may see it', async () => {
    const name = alias()
    const holder = await t.make.document(owner, { aliases: [name] })
    const mine = await t.make.document(other)
    const res = await request(other, 'PUT', `${docUrl(mine.id)}/aliases/${name}`)
    expect(res.statusCode).toBe(409)
    expect(res.json().code).toBe('alias_taken')
    expect(res.json().links).toBeUndefined()
    const adminDoc = await t.make.document(admin)
    const byAdmin = await request(admin, 'PUT', `${docUrl(adminDoc.id)}/aliases/${name}`)
    expect(byAdmin.json()).toMatchObject({
      code: 'alias_taken',
      links: { document: `${PUBLIC_URL}${docUrl(holder.id)}` },
    })
    // POST with a taken alias creates nothing.
    const before = (await request(other, 'GET', '/api/v1/documents')).json().count
    const post = await request(other, 'POST', '/api/v1/documents', {
      payload: { title: 'x', content: 'y', content_type: 'text/plain', aliases: [alias(), name] },
    })
    expect(post.json().code).toBe('alias_taken')
    expect((await request(other, 'GET', '/api/v1/documents')).json().count).toBe(before)
  })

  it('an archived document keeps its aliases reserved: 409 alias_reserved, archive linked for its owner', async () => {
    const name = alias()
    const holder = await t.make.document(owner, { aliases: [name] })
    expect((await request(owner, 'DELETE', docUrl(holder.id))).statusCode).toBe(200)
    const mine = await t.make.document(owner)
    const byOwner = await request(owner, 'PUT', `${docUrl(mine.id)}/aliases/${name}`)
    expect(byOwner.statusCode).toBe(409)
    expect(byOwner.json()).toMatchObject({
      code: 'alias_reserved',
      links: { archive: `${PUBLIC_URL}${archiveUrl(holder.id)}` },
    })
    const theirs = await t.make.document(other)
    const byOther = await request(other, 'PUT', `${docUrl(theirs.id)}/aliases/${name}`)
    expect(byOther.json().code).toBe('alias_reserved')
    expect(byOther.json().links).toBeUndefined()
    const post = await request(other, 'POST', '/api/v1/documents', {
      payload: { title: 'x', content: 'y', content_type: 'text/plain', aliases: [name] },
    })
    expect(post.json().code).toBe('alias_reserved')

    // Purge frees it.
    expect((await request(owner, 'DELETE', archiveUrl(holder.id))).statusCode).toBe(204)
    expect((await request(other, 'PUT', `${docUrl(theirs.id)}/aliases/${name}`)).statusCode).toBe(201)
    expect((await request(owner, 'GET', docUrl(holder.id))).statusCode).toBe(410)
  })

  it('an archived document’s aliases do not resolve, are not listed live, and are listed as reserved', async () => {
    const name = alias()
    const doc = await t.make.document(owner, { aliases: [name] })
    await request(owner, 'DELETE', docUrl(name))
    const byAlias = await request(owner, 'GET', docUrl(name))
    expect(byAlias.statusCode).toBe(404)
    expect(byAlias.json()).toMatchObject({
      code: 'archived',
      links: { archive: `${PUBLIC_URL}${archiveUrl(doc.id)}` },
    })
    expect(await aliasesIn(owner, '/api/v1/documents/aliases')).not.toContain(name)
    expect(await aliasesIn(admin, '/api/v1/documents/aliases')).not.toContain(name)
    const reserved = (await request(owner, 'GET', '/api/v1/documents/deleted/aliases?page_size=100')).json()
    expect(reserved.results).toContainEqual({
      alias: name,
      document_id: doc.id,
      purge_at: expect.any(String),
      links: { archive: `${PUBLIC_URL}${archiveUrl(doc.id)}` },
      created_at: expect.any(String),
    })
    expect(await aliasesIn(other, '/api/v1/documents/deleted/aliases')).not.toContain(name)
    // Its sub-resources answer 404 at their live URLs.
    for (const [method, url] of [
      ['GET', `${docUrl(doc.id)}/aliases`],
      ['PUT', `${docUrl(doc.id)}/aliases/${alias()}`],
      ['DELETE', `${docUrl(doc.id)}/aliases/${name}`],
    ] as const) {
      const res = await request(owner, method, url)
      expect(res.statusCode, `${method} ${url}`).toBe(404)
      expect(res.json().code).toBe('archived')
    }
    // Restored, the aliases work again.
    expect((await request(owner, 'POST', archiveUrl(doc.id))).statusCode).toBe(201)
    expect((await request(owner, 'GET', docUrl(name))).json().id).toBe(doc.id)
    expect(await aliasesIn(owner, '/api/v1/documents/aliases')).toContain(name)
  })

  it('GET /documents/aliases lists the caller’s aliases; an admin sees everyone’s', async () => {
    const [mine, theirs] = [alias(), alias()]
    await t.make.document(owner, { aliases: [mine] })
    await t.make.document(other, { aliases: [theirs] })
    const own = await aliasesIn(owner, '/api/v1/documents/aliases')
    expect(own).toContain(mine)
    expect(own).not.toContain(theirs)
    const all = await aliasesIn(admin, '/api/v1/documents/aliases')
    expect(all).toEqual(expect.arrayContaining([mine, theirs]))
    expect(all).toEqual([...all].sort())
    const page = (
      await request(admin, 'GET', `/api/v1/documents/aliases?owner_id=${other.user.id}&page_size=100`)
    ).json()
    expect(page.results.map((a: { alias: string }) => a.alias)).toContain(theirs)
    expect(page.results.every((a: { alias: string }) => a.alias !== mine)).toBe(true)
    expect(page.results.find((a: { alias: string }) => a.alias === theirs)).toMatchObject({
      url: `${PUBLIC_URL}${docUrl(theirs)}`,
    })
  })
})

describe('owner isolation', () => {
  it('another user’s document, alias, alias list, archive item, restore and purge all answer 404', async () => {
    const name = alias()
    const doc = await t.make.document(owner, { aliases: [name] })
    const live = [
      ['GET', docUrl(doc.id)],
      ['GET', docUrl(name)],
      ['PUT', docUrl(doc.id), { title: 'x', content: 'y', content_type: 'text/plain' }],
      ['PATCH', docUrl(name), { title: 'x' }],
      ['GET', `${docUrl(doc.id)}/aliases`],
      ['PUT', `${docUrl(doc.id)}/aliases/${alias()}`],
      ['DELETE', `${docUrl(doc.id)}/aliases/${name}`],
      ['DELETE', docUrl(name)],
    ] as const
    for (const [method, url, payload] of live) {
      const res = await request(other, method, url, { payload })
      expect(res.statusCode, `${method} ${url}`).toBe(404)
      expect(res.json().code).toBe('not_found')
    }
    await request(owner, 'DELETE', docUrl(doc.id))
    for (const [method, url] of [
      ['GET', docUrl(doc.id)],
      ['GET', docUrl(name)],
      ['GET', archiveUrl(doc.id)],
      ['POST', archiveUrl(doc.id)],
      ['DELETE', archiveUrl(doc.id)],
    ] as const) {
      const res = await request(other, method, url)
      expect(res.statusCode, `${method} ${url}`).toBe(404)
      expect(res.json().code, `${method} ${url}`).toBe('not_found')
      expect(res.json().links).toBeUndefined()
    }
    const archive = (await request(other, 'GET', '/api/v1/documents/deleted?page_size=100')).json()
    expect(archive.results.map((d: { id: number }) => d.id)).not.toContain(doc.id)
    // Its owner's archive lists it, like the live list without the content.
    const own = (await request(owner, 'GET', '/api/v1/documents/deleted?page_size=100')).json()
    const listed = own.results.find((d: { id: number }) => d.id === doc.id)
    expect(listed).toMatchObject({
      id: doc.id,
      aliases: [name],
      links: { archive: `${PUBLIC_URL}${archiveUrl(doc.id)}` },
    })
    expect(listed).not.toHaveProperty('content')
    // And it is all still there for its owner.
    expect((await request(owner, 'GET', archiveUrl(doc.id))).statusCode).toBe(200)
  })
})

describe('documents in the archive', () => {
  it('DELETE archives (aliases included in the representation); restore brings it back', async () => {
    const name = alias()
    const doc = await t.make.document(owner, { aliases: [name] })
    const res = await request(owner, 'DELETE', docUrl(name))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      id: doc.id,
      aliases: [name],
      deleted_by: owner.user.id,
      links: { archive: `${PUBLIC_URL}${archiveUrl(doc.id)}` },
      cascaded: {},
    })
    expect(res.headers['content-location']).toBe(`${PUBLIC_URL}${archiveUrl(doc.id)}`)
    const item = await request(owner, 'GET', archiveUrl(doc.id))
    expect(item.json().aliases).toEqual([name])
    expect(item.headers.sunset).toBe(new Date(item.json().purge_at).toUTCString())
    const restored = await request(owner, 'POST', archiveUrl(doc.id))
    expect(restored.statusCode).toBe(201)
    expect(restored.headers.location).toBe(`${PUBLIC_URL}${docUrl(doc.id)}`)
    expect(restored.json()).toMatchObject({ id: doc.id, aliases: [name] })
  })

  it('deleting a user archives their live documents in the same batch; restoring the user restores exactly that batch', async () => {
    const person = await t.make.user()
    const kept = await t.make.document(person, { aliases: [alias()] })
    const earlier = await t.make.document(person, { aliases: [alias()] })
    await request(person, 'DELETE', docUrl(earlier.id))
    const deletion = await request(admin, 'DELETE', `/api/v1/users/${person.user.id}`)
    expect(deletion.json().cascaded).toEqual({ documents: [kept.id] })
    expect((await request(admin, 'GET', docUrl(kept.aliases[0]!))).json().code).toBe('archived')

    // A document cannot come back while its owner is archived.
    const tooSoon = await request(admin, 'POST', archiveUrl(kept.id))
    expect(tooSoon.statusCode).toBe(409)
    expect(tooSoon.json()).toMatchObject({
      code: 'conflict',
      detail: expect.stringContaining('archived'),
      links: { owner_archive: `${PUBLIC_URL}/api/v1/users/${person.user.id}/deleted` },
    })

    expect((await request(admin, 'POST', `/api/v1/users/${person.user.id}/deleted`)).statusCode).toBe(201)
    expect((await request(admin, 'GET', docUrl(kept.id))).statusCode).toBe(200)
    expect((await request(admin, 'GET', docUrl(kept.aliases[0]!))).statusCode).toBe(200)
    const stillArchived = await request(admin, 'GET', docUrl(earlier.id))
    expect(stillArchived.json().code).toBe('archived')
    // Now that the owner is back, the earlier one can be restored too.
    expect((await request(admin, 'POST', archiveUrl(earlier.id))).statusCode).toBe(201)
  })

  it('purging a user purges their documents: 410 for each, tombstones, aliases free', async () => {
    const person = await t.make.user()
    const name = alias()
    const doc = await t.make.document(person, { aliases: [name] })
    await request(admin, 'DELETE', `/api/v1/users/${person.user.id}`)
    expect((await request(admin, 'DELETE', `/api/v1/users/${person.user.id}/deleted`)).statusCode).toBe(204)
    for (const url of [docUrl(doc.id), archiveUrl(doc.id)]) {
      const res = await request(admin, 'GET', url)
      expect(res.statusCode, url).toBe(410)
    }
    expect((await request(admin, 'GET', docUrl(name))).statusCode).toBe(404)
    const tombstones = await t.db
      .selectFrom('tombstones')
      .select('resource_type')
      .where('resource_id', 'in', [doc.id, person.user.id])
      .execute()
    expect(tombstones.map((r) => r.resource_type).sort()).toEqual(['documents', 'users'])
    const mine = await t.make.document(owner)
    expect((await request(owner, 'PUT', `${docUrl(mine.id)}/aliases/${name}`)).statusCode).toBe(201)
  })

  it('restoring or purging a live document is a 409', async () => {
    const doc = await t.make.document(owner)
    expect((await request(owner, 'POST', archiveUrl(doc.id))).statusCode).toBe(409)
    expect((await request(owner, 'DELETE', archiveUrl(doc.id))).statusCode).toBe(409)
  })
})

// On PostgreSQL the two requests truly overlap (a pool of connections); PGlite runs one at a time.
describe(`concurrent claims of one alias (${backend})`, () => {
  it.skipIf(backend === 'pglite')(
    'two PUTs of the same alias on different documents: exactly one wins (PostgreSQL only: PGlite serialises them)',
    async () => {
      for (let round = 0; round < 10; round++) {
        const name = alias('race')
        const [a, b] = [await t.make.document(owner), await t.make.document(other)]
        const results = await Promise.all([
          request(owner, 'PUT', `${docUrl(a.id)}/aliases/${name}`),
          request(other, 'PUT', `${docUrl(b.id)}/aliases/${name}`),
        ])
        expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409])
        expect(results.find((r) => r.statusCode === 409)!.json().code).toBe('alias_taken')
        const rows = await t.db.selectFrom('document_aliases').selectAll().where('alias', '=', name).execute()
        expect(rows).toHaveLength(1)
        const winner = results[0]!.statusCode === 201 ? a : b
        expect(rows[0]!.document_id).toBe(winner.id)
      }
    },
  )
})
