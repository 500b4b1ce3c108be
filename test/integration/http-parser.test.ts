import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.js'

/**
 * Requests Node's HTTP parser refuses never reach Fastify's routing, and `inject` bypasses the parser:
 * these tests talk to a listening server over raw sockets.
 */
let t: TestApp
let port: number
beforeAll(async () => {
  t = await createTestApp()
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  port = (t.app.server.address() as { port: number }).port
})
afterAll(() => t.close())

interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** Sends bytes as they are and reads the response until the server closes the connection. */
function send(raw: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const [head = '', body = ''] = text.split('\r\n\r\n')
      const [statusLine = '', ...lines] = head.split('\r\n')
      const headers = Object.fromEntries(
        lines.map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
      )
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body })
    })
    socket.end(raw)
  })
}

const CASES = [
  {
    name: 'headers over the size limit',
    raw: `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    status: 431,
    code: 'request_header_fields_too_large',
  },
  {
    name: 'a URL over the size limit',
    raw: `GET /api/v1/users?search=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    status: 414,
    code: 'uri_too_long',
  },
  {
    name: 'a control character in a header',
    raw: 'GET /health HTTP/1.1\r\nHost: x\r\nX-Note: a\u0001b\r\n\r\n',
    status: 400,
    code: 'bad_request',
    detail: /control character/,
  },
  {
    name: 'a Content-Length that is not a number',
    raw: 'POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}',
    status: 400,
    code: 'bad_request',
    detail: /Content-Length/,
  },
  {
    name: 'chunked plus Content-Length',
    raw: 'POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    status: 400,
    code: 'bad_request',
    detail: /Content-Length/,
  },
]

describe("requests Node's HTTP parser refuses", () => {
  it.each(CASES)('$name → $status problem with a request id, and the connection closes', async (c) => {
    const res = await send(c.raw)
    expect(res.status).toBe(c.status)
    expect(res.headers['content-type']).toBe('application/problem+json')
    expect(res.headers.connection).toBe('close')
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.body))
    const problem = JSON.parse(res.body)
    expect(problem).toMatchObject({
      type: `tag:custodian,2026:problem:${c.code}`,
      status: c.status,
      code: c.code,
      detail: c.detail ?? expect.any(String),
      request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      instance: `urn:uuid:${problem.request_id}`,
    })
    expect(res.headers['x-request-id']).toBe(problem.request_id)
    // The log line joins the request id to what the parser refused.
    const line = t.logs.find((l) => l.includes(problem.request_id))
    expect(line).toBeDefined()
    expect(JSON.parse(line!)).toMatchObject({
      status: c.status,
      parser_error: expect.stringMatching(/^HPE_/),
    })
  })

  it('the server keeps serving other connections', async () => {
    const res = await send('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    expect(res.status).toBe(200)
  })
})
