import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp, type TestUser } from '../helpers/app.js'

/** Error details that tell the client how to fix the request, and defaults (issue 13, item 11). */
let t: TestApp
let me: TestUser
let admin: TestUser
beforeAll(async () => {
  t = await createTestApp()
  me = await t.make.user()
  admin = await t.make.admin()
})
afterAll(() => t.close())

describe('validation errors list the allowed values', () => {
  it('of an ordering', async () => {
    const res = await t.app.inject({ url: '/api/v1/users?ordering=bogus', headers: me.auth })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({
      code: 'validation_failed',
      errors: [
        {
          parameter: 'ordering',
          detail: 'must be one of: id, -id, last_name, -last_name, email, -email, created_at, -created_at',
        },
      ],
    })
  })

  it("of a document's content type", async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/documents',
      headers: me.auth,
      payload: { title: 'T', content: 'c', content_type: 'text/html' },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({
      errors: [
        { pointer: '/content_type', detail: 'must be one of: text/plain, text/markdown, application/json' },
      ],
    })
  })

  it('of a union of constants, as one error', async () => {
    const res = await t.app.inject({ url: '/api/v1/events?resource_type=bogus', headers: admin.auth })
    expect(res.statusCode).toBe(400)
    expect(res.json().errors).toEqual([
      { parameter: 'resource_type', detail: expect.stringMatching(/^must be one of: users, documents/) },
    ])
  })
})

describe('a 412 says what was wrong with If-Match', () => {
  const patch = (url: string, ifMatch: string) =>
    t.app.inject({
      method: 'PATCH',
      url,
      headers: { ...me.auth, 'if-match': ifMatch },
      payload: url.includes('/documents/') ? { title: 'Renamed' } : { address: 'Bern' },
    })

  it('an unquoted ETag: quote it', async () => {
    const document = await t.make.document(me)
    for (const url of [`/api/v1/users/${me.user.id}`, `/api/v1/documents/${document.id}`]) {
      const res = await patch(url, 'v1')
      expect(res.statusCode, url).toBe(412)
      expect(res.json(), url).toMatchObject({
        code: 'precondition_failed',
        detail: expect.stringContaining('If-Match must list quoted ETags such as "v1".'),
      })
    }
  })

  it('a quoted ETag that is not current: no hint, only the mismatch', async () => {
    const res = await patch(`/api/v1/users/${me.user.id}`, '"v999"')
    expect(res.statusCode).toBe(412)
    expect(res.json().detail).not.toMatch(/quoted|Weak/)
  })
})

describe("a document's content type", () => {
  it('is text/plain when POST leaves it out', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/documents',
      headers: me.auth,
      payload: { title: 'No type', content: '{"looks": "like JSON"}' },
    })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({ content_type: 'text/plain', content: '{"looks": "like JSON"}' })
    const read = await t.app.inject({
      url: res.headers.location!.replace(/^https?:\/\/[^/]+/, ''),
      headers: me.auth,
    })
    expect(read.json().content_type).toBe('text/plain')
  })

  it('is required on PUT, which replaces everything: a forgotten one must not turn Markdown into text', async () => {
    const document = await t.make.document(me, { content_type: 'text/markdown' })
    const res = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/documents/${document.id}`,
      headers: me.auth,
      payload: { title: 'T', content: '# c' },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().errors).toEqual([
      { pointer: '/content_type', detail: "must have required property 'content_type'" },
    ])
  })
})
