import { describe, expect, it } from 'vitest'
import { parserProblem } from './client-errors.js'

describe('problems for what the HTTP parser refuses', () => {
  const overflow = (packet: string, bytesParsed = packet.length) =>
    parserProblem({ code: 'HPE_HEADER_OVERFLOW', rawPacket: Buffer.from(packet), bytesParsed })

  it('tells an overlong URL (414) from overlong headers (431)', () => {
    expect(overflow(`GET /${'a'.repeat(100)}`)).toMatchObject({ status: 414, code: 'uri_too_long' })
    // The request line ended before the overflow: the headers are too large.
    expect(overflow(`GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(100)}`)).toMatchObject({
      status: 431,
      code: 'request_header_fields_too_large',
    })
    // What follows the point of overflow does not count.
    const line = `GET /${'a'.repeat(100)}`
    expect(overflow(`${line} HTTP/1.1\r\nHost: x\r\n\r\n`, line.length)).toMatchObject({ status: 414 })
    // A packet that does not start the request: the headers, as far as can be told.
    expect(overflow('a'.repeat(100))).toMatchObject({ status: 431 })
    expect(parserProblem({ code: 'HPE_HEADER_OVERFLOW' })).toMatchObject({ status: 431 })
  })

  it('answers a timeout with 408 and anything unknown with 400', () => {
    expect(parserProblem({ code: 'ERR_HTTP_REQUEST_TIMEOUT' })).toMatchObject({
      status: 408,
      code: 'request_timeout',
    })
    expect(parserProblem({ code: 'HPE_SOMETHING_NEW' })).toMatchObject({ status: 400, code: 'bad_request' })
  })
})
