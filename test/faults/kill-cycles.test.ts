import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Cluster, signUpWriters, startTestCluster, type TestCluster } from '../helpers/cluster.js'
import { made, writeLoad } from '../helpers/load.js'

/**
 * Fault (a) of the scale-out work: one of three instances is SIGKILLed and started again, 20 times,
 * while clients write 500 documents a second through HAProxy (FAULT_CYCLES and FAULT_RATE change
 * both). Nothing a client was told is committed may be lost, every committed change must reach
 * RabbitMQ, nothing uncommitted may, and a client must only ever see answers it may retry (with its
 * Idempotency-Key) — and in the end, a 201. The figures are printed as `fault report (a)`.
 */

const CYCLES = Number(process.env.FAULT_CYCLES ?? 20)
const RATE = Number(process.env.FAULT_RATE ?? 500)
let database: TestCluster['database']
let consumer: TestCluster['consumer']
let cluster: Cluster
let running: TestCluster | undefined

beforeAll(async () => {
  running = await startTestCluster({
    RATE_LIMIT_MAX: '10000000',
    RATE_LIMIT_CREDENTIALS_MAX: '10000',
    PURGE_INTERVAL_SECONDS: '0',
  })
  ;({ database, consumer, cluster } = running)
}, 180_000)

afterAll(async () => {
  await running?.close()
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe(`SIGKILL of one of three instances, ${CYCLES} times, under ${RATE} writes/s`, () => {
  it('loses no committed write and no event, publishes nothing uncommitted; clients only see retriable answers', async () => {
    const tokens = await signUpWriters(cluster.base, 16)
    const load = writeLoad({ base: cluster.base, tokens, rate: RATE })
    const restartMs: number[] = []
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      await sleep(1000)
      const victim = cluster.instances[cycle % cluster.instances.length]
      if (!victim) throw new Error('no instance')
      await victim.kill()
      await sleep(250)
      const begin = Date.now()
      await victim.start()
      restartMs.push(Date.now() - begin)
    }
    await sleep(1000)
    const figures = await load.stop()

    // Every document a client was told about, and every event that arrived.
    const rows = await database.db.selectFrom('documents').select(['id', 'title']).execute()
    const stored = new Set(rows.map((r) => Number(r.id)))
    const titles = new Map<string, number>()
    for (const row of rows) titles.set(row.title, (titles.get(row.title) ?? 0) + 1)
    const madeTwice = [...titles.values()].filter((n) => n > 1).length
    const log = await database.db.selectFrom('changes').select('seq').execute()
    const logIds = new Set(log.map((c) => String(c.seq)))
    const arrived = () => new Set(consumer.received.map((r) => r.event.id))
    const drainStart = Date.now()
    // One set per look (a set per id looked up made each look quadratic: minutes of the drain figure).
    const missing = () => {
      const seen = arrived()
      return [...logIds].some((id) => !seen.has(id))
    }
    while (missing() && Date.now() - drainStart < 120_000) await sleep(100)
    const drainMs = Date.now() - drainStart
    await sleep(500)
    console.log(
      'fault report (a)',
      JSON.stringify(
        {
          kills: CYCLES,
          restartMs: { min: Math.min(...restartMs), max: Math.max(...restartMs) },
          ...figures,
          documents: rows.length,
          madeTwice,
          changes: logIds.size,
          eventsReceived: consumer.received.length,
          duplicateDeliveries: consumer.received.length - arrived().size,
          drainAfterLoadMs: drainMs,
        },
        null,
        1,
      ),
    )

    // Clients: every answer was one they may retry or final, and every write ended made (201, or 303
    // to what an earlier try made).
    const retriable = new Set([
      ...['201', '303', '0', '502', '503', '504'],
      ...['503 service_unavailable', '409 idempotency_key_in_flight'],
    ])
    expect(Object.keys(figures.answers).filter((answer) => !retriable.has(answer))).toEqual([])
    expect(load.outcomes.filter((o) => !made(o))).toEqual([])
    // Writes: every acknowledged document is there, each made once (a retry never runs a write that
    // took effect again).
    expect(load.outcomes.filter((o) => !stored.has(Number(o.id)))).toEqual([])
    expect(madeTwice).toBe(0)
    // Events: every change of the log arrived, nothing else did, and every document has its created event.
    expect(arrived()).toEqual(logIds)
    const created = new Set(
      consumer.received
        .filter((r) => r.event.type === 'custodian.document.created')
        .map((r) => r.event.subject),
    )
    expect([...stored].filter((id) => !created.has(`documents/${id}`))).toEqual([])
  })
})
