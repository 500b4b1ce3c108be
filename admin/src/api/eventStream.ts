import { API_BASE, apiError } from './http'
import { session } from './session'

/** One Server-Sent Event: `id:`, `event:` (default `message`) and the `data:` lines joined. */
export interface StreamEvent {
  id: string | null
  event: string
  data: string
}

/**
 * The event-stream format (WHATWG HTML, "Server-sent events"), fed text as it arrives: lines end with
 * LF, CR or CRLF (a CR at the end of a chunk waits for the next one); a blank line dispatches the event;
 * `:` starts a comment (the API's heartbeats); `id:` sets the last event id, which outlives the event
 * and is what a reconnection resumes from; `retry:` sets the reconnection delay.
 */
export class EventStreamParser {
  private buffer = ''
  private data: string[] = []
  private event = ''
  lastEventId: string | null
  retry: number | null = null

  constructor(lastEventId: string | null = null) {
    this.lastEventId = lastEventId
  }

  push(text: string): StreamEvent[] {
    this.buffer += text
    const events: StreamEvent[] = []
    for (;;) {
      const end = this.buffer.search(/[\r\n]/)
      if (end === -1) break
      const cr = this.buffer[end] === '\r'
      // A CR last in the buffer may be the first half of a CRLF.
      if (cr && end === this.buffer.length - 1) break
      const line = this.buffer.slice(0, end)
      this.buffer = this.buffer.slice(end + (cr && this.buffer[end + 1] === '\n' ? 2 : 1))
      const event = this.line(line)
      if (event) events.push(event)
    }
    return events
  }

  private line(line: string): StreamEvent | null {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = ''
        return null
      }
      const event = { id: this.lastEventId, event: this.event || 'message', data: this.data.join('\n') }
      this.data = []
      this.event = ''
      return event
    }
    if (line.startsWith(':')) return null
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') this.data.push(value)
    else if (field === 'event') this.event = value
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value
    else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value)
    return null
  }
}

export interface FollowOptions {
  /** The stream's path under /api/v1, with its query. */
  path: string
  /** Where to start: sent as `Last-Event-ID`, and on every reconnection the last id received. */
  lastEventId: string | null
  signal: AbortSignal
  /** Connected (again). */
  onOpen?: () => void
  /** The events of one chunk of the stream, in order. */
  onEvents: (events: StreamEvent[]) => void
  /** The connection failed or ended; it is tried again in `retryMs`. */
  onInterrupted?: (error: Error, retryMs: number) => void
}

/** The delay before reconnecting until the server sets one (`retry:`). */
const DEFAULT_RETRY_MS = 2000

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })

/**
 * Follows a Server-Sent Events stream of the API until `signal` aborts (then it resolves). `EventSource`
 * cannot send the bearer token the API wants (`Authorization`), so this reads the stream with `fetch`,
 * which can, and parses it itself. Like `EventSource`, it reconnects after the server's `retry:` delay
 * whenever the connection fails or ends, sending `Last-Event-ID` with the last id received, so nothing
 * is missed or repeated. A refusal that retrying cannot change (4xx but 408 and 429: a token expired,
 * not an admin) rejects with the API's problem in words, as every other call does.
 */
export async function followEventStream(options: FollowOptions): Promise<void> {
  const { signal } = options
  let lastEventId = options.lastEventId
  let retryMs = DEFAULT_RETRY_MS
  while (!signal.aborted) {
    const parser = new EventStreamParser(lastEventId)
    try {
      const headers = new Headers({ accept: 'text/event-stream' })
      const token = session.get()?.token
      if (token) headers.set('authorization', `Bearer ${token}`)
      if (lastEventId !== null) headers.set('last-event-id', lastEventId)
      const response = await fetch(`${API_BASE}${options.path}`, { headers, signal, cache: 'no-store' })
      if (!response.ok) {
        const body = await response.json().catch(() => null)
        const error = apiError(response, body)
        const final = response.status >= 400 && response.status < 500 && ![408, 429].includes(response.status)
        if (final) throw Object.assign(error, { final: true })
        throw error
      }
      if (!response.body) throw new Error('The stream has no body.')
      options.onOpen?.()
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        const events = parser.push(value)
        if (parser.retry !== null) retryMs = parser.retry
        lastEventId = parser.lastEventId
        if (events.length > 0) options.onEvents(events)
      }
      if (!signal.aborted) options.onInterrupted?.(new Error('The server ended the stream.'), retryMs)
    } catch (error) {
      if (signal.aborted) return
      lastEventId = parser.lastEventId
      if ((error as { final?: boolean }).final) throw error
      const reason =
        error instanceof Error && error.name !== 'TypeError'
          ? error
          : new Error(`The stream was cut (${error instanceof Error ? error.message : String(error)}).`)
      options.onInterrupted?.(reason, retryMs)
    }
    await sleep(retryMs, signal)
  }
}
