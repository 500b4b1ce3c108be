import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EventStreamParser, followEventStream, type StreamEvent } from '../../admin/src/api/eventStream.js'

/**
 * The console's Server-Sent Events client (admin/src/api/eventStream.ts), in Node: the parser on text
 * cut anywhere, and the reconnection with Last-Event-ID against a server that ends its streams. The
 * browser test (admin-console.test.ts) shows the feed working against the real API.
 */

describe('EventStreamParser', () => {
  const feed = (text: string, cut: number[]) => {
    const parser = new EventStreamParser()
    const events: StreamEvent[] = []
    let from = 0
    for (const at of [...cut, text.length]) {
      events.push(...parser.push(text.slice(from, at)))
      from = at
    }
    return { parser, events }
  }
  const stream =
    'retry: 2000\n\n: heartbeat\r\nid: 41\r\nevent: users.updated\r\ndata: {"a":1}\r\n\r\n' +
    'id: 42\rdata: line one\rdata:line two\r\rdata: no id\n\nevent: ignored\n\n'

  it('reads events, ids, retry and comments, whatever the line ends and wherever the text is cut', () => {
    const expected = [
      { id: '41', event: 'users.updated', data: '{"a":1}' },
      { id: '42', event: 'message', data: 'line one\nline two' },
      // The last id stays until another one comes.
      { id: '42', event: 'message', data: 'no id' },
    ]
    const whole = feed(stream, [])
    expect(whole.events).toEqual(expected)
    expect(whole.parser.retry).toBe(2000)
    expect(whole.parser.lastEventId).toBe('42')
    // Every single cut, CRLF halves included.
    for (let at = 1; at < stream.length; at++)
      expect(feed(stream, [at]).events, `cut at ${at}`).toEqual(expected)
    // One character at a time.
    expect(
      feed(
        stream,
        [...stream].map((_, i) => i + 1),
      ).events,
    ).toEqual(expected)
  })
})

describe('followEventStream', () => {
  let server: Server
  let base: string
  const requests: { lastEventId: string | undefined; authorization: string | undefined }[] = []
  const realFetch = globalThis.fetch

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      const lastEventId = req.headers['last-event-id'] as string | undefined
      requests.push({ lastEventId, authorization: req.headers.authorization })
      if (req.url?.startsWith('/api/v1/refused')) {
        res.writeHead(403, { 'content-type': 'application/problem+json', 'x-request-id': 'req-403' })
        res.end(
          JSON.stringify({ status: 403, code: 'forbidden', detail: 'Only admins may read the change feed.' }),
        )
        return
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      const next = Number(lastEventId ?? 0) + 1
      // Each connection sends two events and ends: the client must come back for the rest.
      res.end(`retry: 20\n\nid: ${next}\ndata: ${next}\n\nid: ${next + 1}\ndata: ${next + 1}\n\n`)
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    // The console's URLs are relative to its page; here they go to this server.
    globalThis.fetch = (input, init) => realFetch(`${base}${String(input)}`, init)
  })

  afterAll(async () => {
    globalThis.fetch = realFetch
    server.close()
    await once(server, 'close')
  })

  it('reconnects after the retry delay with Last-Event-ID, missing nothing and repeating nothing', async () => {
    requests.length = 0
    const controller = new AbortController()
    const received: string[] = []
    const interruptions: number[] = []
    await followEventStream({
      path: '/events/stream',
      lastEventId: '10',
      signal: controller.signal,
      onEvents: (events) => {
        received.push(...events.map((e) => e.data))
        if (received.length >= 6) controller.abort()
      },
      onInterrupted: (_error, retryMs) => interruptions.push(retryMs),
    })
    expect(received).toEqual(['11', '12', '13', '14', '15', '16'])
    expect(requests.map((r) => r.lastEventId)).toEqual(['10', '12', '14'])
    // The server's `retry: 20` replaced the default delay.
    expect(interruptions).toEqual([20, 20])
  })

  it('stops on a refusal that retrying cannot change, with the problem in words and its request id', async () => {
    requests.length = 0
    const follow = followEventStream({
      path: '/refused',
      lastEventId: null,
      signal: new AbortController().signal,
      onEvents: () => {},
    })
    await expect(follow).rejects.toThrow(
      'Only admins may read the change feed. (403 forbidden; request id req-403)',
    )
    expect(requests).toHaveLength(1)
  })
})
