import { randomUUID } from 'node:crypto'
import { maxHeaderSize, type ServerResponse, STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { ConnectionError, FastifyInstance } from 'fastify'
import { AppError, type ErrorCode, renderProblem } from './problem.js'

const MALFORMED = 'The request is not well-formed HTTP/1.1.'

/** What Node's HTTP parser (llhttp) refused, as the client should read it. Unlisted codes are a 400. */
const PARSER_ERRORS: Record<string, { code: ErrorCode; detail: string }> = {
  HPE_HEADER_OVERFLOW: {
    code: 'request_header_fields_too_large',
    detail: `The request line and headers are too large: at most ${maxHeaderSize} bytes are read.`,
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: {
    code: 'payload_too_large',
    detail: 'The chunk extensions of the body are too large.',
  },
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'request_timeout', detail: 'The request was not received in time.' },
  HPE_INVALID_HEADER_TOKEN: {
    code: 'bad_request',
    detail: 'A header name or value contains a character HTTP does not allow, such as a control character.',
  },
  HPE_INVALID_CONTENT_LENGTH: {
    code: 'bad_request',
    detail: 'Content-Length must be one non-negative integer.',
  },
  HPE_UNEXPECTED_CONTENT_LENGTH: {
    code: 'bad_request',
    detail: 'Send Content-Length or Transfer-Encoding: chunked, not both.',
  },
  HPE_INVALID_TRANSFER_ENCODING: {
    code: 'bad_request',
    detail: 'Transfer-Encoding is invalid, or sent with Content-Length: send one of them.',
  },
  HPE_INVALID_CHUNK_SIZE: { code: 'bad_request', detail: 'A chunk size of the chunked body is invalid.' },
  HPE_INVALID_METHOD: { code: 'bad_request', detail: 'The request method is not a valid HTTP method.' },
  HPE_INVALID_URL: { code: 'bad_request', detail: 'The request target is not a valid URL.' },
  HPE_INVALID_VERSION: { code: 'bad_request', detail: 'The HTTP version is not supported: send HTTP/1.1.' },
}

/**
 * An overflow while the parser was still in the request line (the packet starts one and has no line
 * break up to where parsing stopped) means the URL was too long: 414. Any other overflow is the
 * headers' (431) — including a URL whose request line began in an earlier packet, which the parser no
 * longer shows us.
 */
function requestLineOverflowed(error: { rawPacket?: unknown; bytesParsed?: number }): boolean {
  if (!Buffer.isBuffer(error.rawPacket)) return false
  const parsed = error.rawPacket.subarray(0, error.bytesParsed ?? error.rawPacket.length)
  return /^[A-Za-z]+ \S/.test(parsed.toString('latin1', 0, 32)) && !parsed.includes(0x0a)
}

/** The problem for an error of the HTTP parser. */
export function parserProblem(
  error: Pick<ConnectionError, 'code'> & { rawPacket?: unknown; bytesParsed?: number },
): AppError {
  let { code, detail }: { code: ErrorCode; detail: string } = PARSER_ERRORS[error.code] ?? {
    code: 'bad_request',
    detail: MALFORMED,
  }
  if (error.code === 'HPE_HEADER_OVERFLOW' && requestLineOverflowed(error)) {
    code = 'uri_too_long'
    detail = `The URL is too long: the request line and headers may take at most ${maxHeaderSize} bytes.`
  }
  return new AppError(code, detail)
}

/**
 * Fastify's `clientErrorHandler`: answers what Node's HTTP parser refused (oversized or malformed
 * request lines and headers, a bad Content-Length, a request timeout) with a problem like any other
 * error, with a fresh request id and `Connection: close`. There is no request or reply: the response
 * is written to the socket as raw HTTP. The log line carries the request id and the parser's error
 * code, never the packet (it may hold credentials).
 */
export function clientErrorHandler(this: FastifyInstance, error: ConnectionError, socket: Socket) {
  // A reset connection has no one to answer; a response already under way must not be corrupted.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage
  if (error.code === 'ECONNRESET' || socket.destroyed || socket.writableEnded) return
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy()
    return
  }
  const requestId = randomUUID()
  const problem = parserProblem(error)
  this.log.info(
    { request_id: requestId, status: problem.status, parser_error: error.code },
    'request refused by the HTTP parser',
  )
  // No path could be read: the instance names the occurrence by its request id (RFC 9457 §3.1.5).
  const body = JSON.stringify(renderProblem(problem, { instance: `urn:uuid:${requestId}`, requestId }))
  socket.end(
    [
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}`,
      'Content-Type: application/problem+json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      `X-Request-ID: ${requestId}`,
      'X-Content-Type-Options: nosniff',
      'Cache-Control: no-store',
      `Date: ${new Date().toUTCString()}`,
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
    () => socket.destroy(),
  )
}
