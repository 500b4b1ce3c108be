import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Cluster, signUpWriters, startTestCluster, type TestCluster } from '../helpers/cluster.js'
import { writeLoad } from '../helpers/load.js'
import { broker } from '../helpers/rabbitmq.js'

/**
 * Fault (b) of the scale-out work: RabbitMQ is stopped for 60 s (FAULT_OUTAGE_SECONDS) while clients
 * write through HAProxy to three instances (FAULT_OUTAGE_RATE writes a second, 200 by default). No
 * write may fail — the change log is the outbox, the broker is not on the write path — and once the
 * broker is back every change must arrive, in the log's order. The figures are printed as
 * `fault report (b)`.
 */

const OUTAGE_S = Number(process.env.FAULT_OUTAGE_SECONDS ?? 60)
const RATE = Number(process.env.FAULT_OUTAGE_RATE ?? 200)
let database: TestCluster['database']
let consumer: TestCluster['consumer']
let cluster: Cluster
let running: TestCluster | undefined

beforeAll(async () => {
  running = await startTestCluster({ RATE_LIMIT_MAX: '10000000', PURGE_INTERVAL_SECONDS: '0' })
  ;({ database, consumer, cluster } = running)
}, 180_000)

afterAll(async () => {
  if (broker.owned) await broker.start()
  await running?.close()
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.skipIf(!broker.owned)(`RabbitMQ stopped ${OUTAGE_S} s under ${RATE} writes/s`, () => {
  it('fails no write, and delivers every change in order once the broker is back', async () => {
    const tokens = await signUpWriters(cluster.base, 16)
    const load = writeLoad({ base: cluster.base, tokens, rate: RATE })
    await sleep(3000)
    await broker.stop()
    const stoppedAt = Date.now()
    await sleep(2000)
    // Ready, with a warning: the broker is away and the outbox grows.
    const during = await fetch(`${cluster.base}/ready`)
    const readiness = (await during.json()) as { status: string; checks: Record<string, unknown> }
    await sleep(Math.max(0, OUTAGE_S * 1000 - (Date.now() - stoppedAt)))
    const written = await database.db
      .selectFrom('changes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    await broker.start()
    const backAt = Date.now()
    await sleep(3000)
    const figures = await load.stop()

    const log = (await database.db.selectFrom('changes').select('seq').orderBy('seq').execute()).map((c) =>
      String(c.seq),
    )
    const firstSeen = () => [...new Set(consumer.received.map((r) => r.event.id))]
    while (firstSeen().length < log.length && Date.now() - backAt < 120_000) await sleep(100)
    const drainMs = Date.now() - backAt
    await sleep(500)
    console.log(
      'fault report (b)',
      JSON.stringify(
        {
          outageSeconds: OUTAGE_S,
          readyDuringOutage: { status: during.status, body: readiness.status },
          changesWhenBrokerCameBack: Number(written.n),
          ...figures,
          changes: log.length,
          eventsReceived: consumer.received.length,
          redeliveries: consumer.received.length - firstSeen().length,
          allDeliveredMsAfterBrokerBack: drainMs,
        },
        null,
        1,
      ),
    )

    // No write failed: the broker is not on the write path. The service answered nothing but 201s; a
    // busy machine may still make the proxy retry or turn a request away (no code: not the service's).
    expect(
      Object.keys(figures.answers).filter((a) => a !== '201' && !['0', '502', '503', '504'].includes(a)),
    ).toEqual([])
    expect(load.outcomes.filter((o) => o.status !== 201)).toEqual([])
    expect(during.status).toBe(200)
    expect(readiness.status).toBe('warn')
    // Every change arrived, in the log's order (redeliveries, dropped by id, aside).
    expect(firstSeen()).toEqual(log)
  })
})
