// autocannon ships no type declarations: this is the part of its programmatic API the bench uses.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  namespace autocannon {
    interface Options {
      url: string
      connections?: number
      /** Seconds. */
      duration?: number
      pipelining?: number
      headers?: Record<string, string>
      requests?: Request[]
      /** Requests a second over all connections, at most. */
      overallRate?: number
    }

    interface Request {
      method?: 'GET' | 'POST' | 'PATCH'
      path?: string
      headers?: Record<string, string>
      body?: string
      /** Called before each request is sent: returns the request to send. */
      setupRequest?: (request: Request) => Request
    }

    /** Percentiles are keyed like `p50`, `p97_5`, `p99_9`. */
    interface Histogram {
      average: number
      mean: number
      stddev: number
      min: number
      max: number
      total?: number
      [percentile: `p${string}`]: number
    }

    interface Result {
      url: string
      connections: number
      /** Seconds, as measured. */
      duration: number
      errors: number
      timeouts: number
      non2xx: number
      '2xx': number
      statusCodeStats: Record<string, { count: number }>
      /** Milliseconds, recorded as whole numbers, 2xx responses only. */
      latency: Histogram
      /** Per-second samples of completed requests; `total` is their sum. */
      requests: Histogram & { sent: number }
      throughput: Histogram
    }

    interface Instance extends EventEmitter, PromiseLike<Result> {
      stop(): void
      /** Emitted for every response; `responseTime` is in milliseconds, with sub-millisecond precision. */
      on(
        event: 'response',
        listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void,
      ): this
    }
  }

  function autocannon(options: autocannon.Options): autocannon.Instance
  export = autocannon
}
