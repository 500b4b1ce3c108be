import { randomUUID } from 'node:crypto'

/** What a client saw of one write: its final answer after retries. */
export interface WriteOutcome {
  key: string
  title: string
  status: number
  code?: string
  id?: number
  attempts: number
  ms: number
}

/** A write that took effect: created (201), or found made by an earlier try (303). */
export const made = (o: WriteOutcome) => o.status === 201 || o.status === 303

/** Answers a client may retry: the proxy lost the instance, the service is briefly away, the first try still runs. */
const RETRIABLE = new Set([0, 502, 503, 504])

/**
 * An open-loop write load: `rate` document creations a second through `base`, each with an
 * Idempotency-Key, retried with the same key on a retriable answer (a connection cut, 502/503/504, or
 * 409 idempotency_key_in_flight) for up to `retryForMs`. A 303 ends a write too: an earlier try made it. Runs until `stop()`; `stop()` resolves once
 * every write has its final answer. At most `maxInFlight` writes run at once: a write that would
 * exceed it is not sent (counted in `skipped`), so an overloaded service shows as a lower `achieved`.
 */
export function writeLoad(options: {
  base: string
  tokens: string[]
  rate: number
  retryForMs?: number
  maxInFlight?: number
}) {
  const { base, tokens, rate } = options
  const retryForMs = options.retryForMs ?? 30_000
  const maxInFlight = options.maxInFlight ?? 256
  const outcomes: WriteOutcome[] = []
  const pending = new Set<Promise<void>>()
  const counts = { sent: 0, skipped: 0, retries: 0, byStatus: {} as Record<string, number> }
  let serial = 0
  const started = Date.now()

  const write = async (token: string) => {
    const key = randomUUID()
    const title = `load ${++serial}`
    const begin = Date.now()
    for (let attempt = 1; ; attempt++) {
      let status = 0
      let body: { id?: number; code?: string; detail?: string } = {}
      try {
        const res = await fetch(`${base}/api/v1/documents`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'idempotency-key': key,
          },
          body: JSON.stringify({ title, content: `written under load as ${key}` }),
          signal: AbortSignal.timeout(15_000),
          redirect: 'manual',
        })
        status = res.status
        const text = await res.text()
        body = text.startsWith('{') ? JSON.parse(text) : {}
        // A retry whose first try took effect but lost its answer: 303 to the document it made.
        if (status === 303) body = { id: Number(res.headers.get('location')?.split('/').pop()) }
      } catch {
        status = 0
      }
      const label = body.code ? `${status} ${body.code}` : String(status)
      if (process.env.DEBUG_LOAD && status !== 201) console.log(status, JSON.stringify(body).slice(0, 300))
      counts.byStatus[label] = (counts.byStatus[label] ?? 0) + 1
      const retriable = RETRIABLE.has(status) || body.code === 'idempotency_key_in_flight'
      if (!retriable || Date.now() - begin > retryForMs) {
        outcomes.push({
          key,
          title,
          status,
          ...(body.code && { code: body.code }),
          ...(body.id && { id: body.id }),
          attempts: attempt,
          ms: Date.now() - begin,
        })
        return
      }
      counts.retries++
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200))
    }
  }

  // Every 20 ms, the writes due since the start that were not sent yet.
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - started) / 1000) * rate)
    while (counts.sent + counts.skipped < due) {
      if (pending.size >= maxInFlight) {
        counts.skipped++
        continue
      }
      counts.sent++
      const token = tokens[counts.sent % tokens.length] as string
      const p = write(token).finally(() => pending.delete(p))
      pending.add(p)
    }
  }, 20)

  return {
    outcomes,
    counts,
    async stop() {
      clearInterval(timer)
      const seconds = (Date.now() - started) / 1000
      while (pending.size > 0) await Promise.all([...pending])
      const acknowledged = outcomes.filter(made).length
      const latencies = outcomes.map((o) => o.ms).sort((a, b) => a - b)
      return {
        seconds,
        sent: counts.sent,
        skipped: counts.skipped,
        acknowledged,
        achievedPerSecond: Math.round(acknowledged / seconds),
        retries: counts.retries,
        answers: counts.byStatus,
        p50Ms: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
        p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
        maxMs: latencies[latencies.length - 1] ?? 0,
      }
    },
  }
}
