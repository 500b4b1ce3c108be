/**
 * The outbox relay's benchmark, part of `npm run bench` (BENCH_RELAY=0 skips it): the real relay
 * (`startRelay` with the RabbitMQ publisher, confirms on) against the bench database and the local
 * RabbitMQ (BENCH_AMQP_URL, default amqp://guest:guest@127.0.0.1:5672).
 *
 * 1. Throughput: BENCH_RELAY_EVENTS (100,000) change records, user-sized, are written to the log
 *    first; then the relay starts and the clock runs until a consumer has received them all.
 * 2. Latency: writers record one change per transaction through `recordChanges` (the API's code
 *    path, ordering lock included) at a steady 1,000 per second for BENCH_RELAY_SECONDS (10). For each
 *    change, commit-to-publish is the time from its commit returning to the writer until a consumer
 *    receives it (so it includes the consumer's delivery: an upper bound of commit-to-publish).
 */
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import { Connection } from 'rabbitmq-client'
import { openDatabase } from '../src/db/database.js'
import { recordChanges, SYSTEM } from '../src/platform/changes/changes.js'
import { createAmqpPublisher } from '../src/platform/changes/publisher.js'
import { startRelay } from '../src/platform/changes/relay.js'

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
const round2 = (n: number) => Math.round(n * 100) / 100

const snapshot = (id: number) => ({
  id,
  email: `user${id}@bench.example`,
  first_name: 'Bench',
  last_name: 'Relay',
  address: 'Bahnhofstrasse 1, 8001 Zürich',
  country: 'CH',
  role: 'user',
  version: 2,
  created_at: new Date().toISOString(),
  updated_at: new Date().toISOString(),
})

export async function relayBench(options: {
  databaseUrl: string
  amqpUrl: string
  events: number
  seconds: number
}) {
  const exchange = `custodian.bench.${randomBytes(4).toString('hex')}`
  const queue = `${exchange}.consumer`
  const database = await openDatabase({ kind: 'postgres', url: options.databaseUrl })
  const rabbit = new Connection({ url: options.amqpUrl, noDelay: true })
  const arrivals = new Map<number, number>()
  const consumer = rabbit.createConsumer(
    {
      queue,
      queueOptions: { exclusive: true, autoDelete: true },
      exchanges: [{ exchange, type: 'topic', durable: true }],
      queueBindings: [{ queue, exchange, routingKey: '#' }],
      qos: { prefetchCount: 1000 },
    },
    (message) => {
      arrivals.set(Number(message.messageId), performance.now())
    },
  )
  await new Promise<void>((resolve, reject) => {
    consumer.once('ready', () => resolve())
    consumer.once('error', reject)
  })
  const publisher = await createAmqpPublisher({ url: options.amqpUrl, exchange, source: 'http://bench' })
  const { db } = database
  const cleanup = async () => {
    await consumer.close()
    await publisher.close()
    await rabbit.queueDelete({ queue }).catch(() => {})
    await rabbit.exchangeDelete({ exchange }).catch(() => {})
    await rabbit.close()
    await database.close()
  }

  try {
    // Start from an empty outbox: whatever the rest of the bench recorded counts as published.
    const head = async () =>
      Number(
        (await sql<{ head: number | null }>`SELECT max(seq) AS head FROM changes`.execute(db)).rows[0]
          ?.head ?? 0,
      )
    const skip = await head()
    await sql`INSERT INTO outbox_offsets (relay, last_seq) VALUES ('amqp', ${skip})
              ON CONFLICT (relay) DO UPDATE SET last_seq = EXCLUDED.last_seq`.execute(db)

    // 1. Throughput over a backlog.
    const body = JSON.stringify(snapshot(1))
    await sql`
      INSERT INTO changes (resource_type, resource_id, owner_id, action, before, after)
      SELECT 'users', g, g, 'updated', ${body}::text::jsonb, ${body}::text::jsonb
      FROM generate_series(1, ${options.events}) g`.execute(db)
    const last = await head()
    const started = performance.now()
    const relay = await startRelay({ session: await database.session(), publisher, batchSize: 500 })
    const limit = performance.now() + 300_000
    while (!arrivals.has(last)) {
      if (performance.now() > limit)
        throw new Error(`relay bench: ${arrivals.size} of ${options.events} arrived`)
      await sleep(5)
    }
    const seconds = (performance.now() - started) / 1000
    const received = arrivals.size

    // 2. Commit-to-publish latency at a steady 1,000 changes per second.
    arrivals.clear()
    const commits = new Map<number, number>()
    const rate = 1000
    const total = rate * options.seconds
    const t0 = performance.now()
    const writes: Promise<void>[] = []
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / rate
      const wait = due - performance.now()
      if (wait > 1) await sleep(wait)
      writes.push(
        db
          .transaction()
          .execute((tx) =>
            recordChanges(tx, SYSTEM, [
              {
                type: 'users',
                id: i + 1,
                owner: i + 1,
                action: 'updated',
                before: snapshot(i + 1),
                after: snapshot(i + 1),
              },
            ]),
          )
          .then(([seq]) => void commits.set(seq as number, performance.now())),
      )
    }
    await Promise.all(writes)
    const deadline = performance.now() + 30_000
    while ([...commits.keys()].some((seq) => !arrivals.has(seq)) && performance.now() < deadline)
      await sleep(10)
    await relay.stop()
    const latencies = [...commits]
      .filter(([seq]) => arrivals.has(seq))
      .map(([seq, committed]) => (arrivals.get(seq) as number) - committed)
      .sort((a, b) => a - b)
    return {
      throughput: {
        events: received,
        seconds: round2(seconds),
        eventsPerSecond: Math.round(received / seconds),
      },
      latency: {
        rate,
        seconds: round2((performance.now() - t0) / 1000),
        changes: commits.size,
        published: latencies.length,
        p50Ms: round2(percentile(latencies, 50)),
        p99Ms: round2(percentile(latencies, 99)),
        maxMs: round2(latencies.at(-1) ?? 0),
      },
    }
  } finally {
    await cleanup()
  }
}
