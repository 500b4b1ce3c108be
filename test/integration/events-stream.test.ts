import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backend, createTestApp, type TestApp, type TestUser } from '../helpers/app.js'

let t: TestApp
let admin: TestUser
let base: string
beforeAll(async () => {
  t = await createTestApp({ EVENTS_HEARTBEAT_SECONDS: '1' })
  admin = await t.make.admin()
  base = await t.app.listen({ port: 0, host: '127.0.0.1' })
})
afterAll(() => t.close())

interface Message {
  id?: string
  event?: string
  data?: { sequence: number; resource_type: string; resource_id: number; action: string }
  comment?: string
}

/** Opens the stream and collects its messages as they arrive. */
async function open(query = '', headers: Record<string, string> = {}) {
  const stop = new AbortController()
  const res = await fetch(`${base}/api/v1/events/stream${query}`, {
    headers: { ...admin.auth, ...headers },
    signal: stop.signal,
  })
  const messages: Message[] = []
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  const pump = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        buffer += value
        let end = buffer.indexOf('\n\n')
        while (end >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const message: Message = {}
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) message.comment = line.slice(1).trim()
            else if (line.startsWith('id: ')) message.id = line.slice(4)
            else if (line.startsWith('event: ')) message.event = line.slice(7)
            else if (line.startsWith('data: ')) message.data = JSON.parse(line.slice(6))
          }
          messages.push(message)
          end = buffer.indexOf('\n\n')
        }
      }
    } catch {}
  })()
  return {
    res,
    messages,
    events: () => messages.filter((m) => m.data),
    async until(predicate: (messages: Message[]) => boolean, ms = 5000) {
      const deadline = Date.now() + ms
      while (!predicate(messages)) {
        if (Date.now() > deadline) throw new Error(`not seen in ${ms} ms: ${JSON.stringify(messages)}`)
        await new Promise((r) => setTimeout(r, 20))
      }
    },
    async close() {
      stop.abort()
      await pump
    },
  }
}

describe(`GET /events/stream (${backend})`, () => {
  it('streams the log after Last-Event-ID, then every change as it commits, then heartbeats', async () => {
    const user = await t.make.user()
    const { body } = await t.app.inject({ url: '/api/v1/events?page_size=1000', headers: admin.auth })
    const log = JSON.parse(body).results as { sequence: number }[]
    expect(log.length).toBeGreaterThanOrEqual(2)
    const from = log[0]!.sequence
    const stream = await open('?after=999999', { 'last-event-id': String(from) })
    try {
      expect(stream.res.status).toBe(200)
      expect(stream.res.headers.get('content-type')).toMatch(/^text\/event-stream/)
      // The connection ends with the stream: a graceful shutdown never waits for a keep-alive one it left.
      expect(stream.res.headers.get('connection')).toBe('close')
      // Last-Event-ID (what a browser sends when it reconnects) wins over `after`.
      await stream.until((m) => m.filter((x) => x.data).length >= log.length - 1)
      expect(stream.events().map((m) => Number(m.id))).toEqual(log.slice(1).map((r) => r.sequence))

      await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/users/${user.user.id}`,
        headers: user.auth,
        payload: { address: 'Bern' },
      })
      await stream.until((m) =>
        m.some((x) => x.event === 'users.updated' && x.data?.resource_id === user.user.id),
      )
      const update = stream.events().at(-1)!
      expect(update.data).toMatchObject({ action: 'updated', resource_type: 'users' })
      expect(Number(update.id)).toBe(update.data?.sequence)
      // Nothing more happens: a heartbeat comment keeps the connection open.
      await stream.until((m) => m.some((x) => x.comment === 'heartbeat'), 3000)
    } finally {
      await stream.close()
    }
  })

  it('filters by resource type, and resumes from `after`', async () => {
    const owner = await t.make.user()
    const stream = await open('?resource_type=documents&after=0')
    try {
      const doc = await t.make.document(owner)
      await stream.until((m) =>
        m.some((x) => x.data?.resource_id === doc.id && x.event === 'documents.created'),
      )
      expect(stream.events().every((m) => m.data?.resource_type === 'documents')).toBe(true)
    } finally {
      await stream.close()
    }
  })

  it('without after or Last-Event-ID, starts at the head of the log: only what happens next', async () => {
    const owner = await t.make.user()
    const stream = await open()
    try {
      await stream.until((m) => m.length >= 1) // open: its first block (`retry:`) has arrived
      await new Promise((r) => setTimeout(r, 100))
      expect(stream.events()).toEqual([])
      const doc = await t.make.document(owner)
      await stream.until((m) => m.some((x) => x.data?.resource_id === doc.id))
      expect(stream.events()).toHaveLength(1)
    } finally {
      await stream.close()
    }
  })

  it('is for admins: a user gets 403, no token 401', async () => {
    const user = await t.make.user()
    expect((await t.app.inject({ url: '/api/v1/events/stream', headers: user.auth })).statusCode).toBe(403)
    expect((await t.app.inject({ url: '/api/v1/events/stream' })).statusCode).toBe(401)
  })
})
