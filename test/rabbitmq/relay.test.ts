import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { Connection } from 'rabbitmq-client'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { migrateToLatest, openDatabase } from '../../src/db/database.js'
import { recordChanges, SYSTEM } from '../../src/platform/changes/changes.js'
import { createAmqpPublisher } from '../../src/platform/changes/publisher.js'
import { startRelay } from '../../src/platform/changes/relay.js'
import { createTestApp, PUBLIC_URL, type TestApp } from '../helpers/app.js'
import { AMQP_URL, broker, consume, type Received, testExchange } from '../helpers/rabbitmq.js'

// These tests share one RabbitMQ and one of them stops it: the project runs its files one at a time.
const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
afterAll(async () => {
  if (broker.owned) await broker.start()
})

async function setup(env: Record<string, string> = {}) {
  const exchange = testExchange()
  const consumer = await consume(exchange)
  cleanups.push(() => consumer.close())
  const t = await createTestApp({ AMQP_URL, AMQP_EXCHANGE: exchange, ...env })
  cleanups.push(() => t.close())
  return { t, exchange, consumer, admin: await t.make.admin() }
}

const feed = async (t: TestApp, auth: { authorization: string }) => {
  const res = await t.app.inject({ url: '/api/v1/events?page_size=1000', headers: auth })
  return res.json<{ results: { sequence: number }[] }>().results
}

const ids = (received: Received[]) => received.map((r) => Number(r.event.id))
const strictlyIncreasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > (xs[i - 1] as number))

describe('the outbox relay, against RabbitMQ', () => {
  it('publishes every action of a user and a document once, in order, as CloudEvents matching GET /events', async () => {
    const { t, exchange, consumer, admin } = await setup()
    const user = await t.make.user({ first_name: 'Relayed' })
    const id = user.user.id
    const url = `/api/v1/users/${id}`
    const ok = async (method: 'PATCH' | 'PUT' | 'DELETE' | 'POST', path: string, payload?: object) => {
      const res = await t.app.inject({ method, url: path, headers: admin.auth, ...(payload && { payload }) })
      expect(res.statusCode, res.body).toBeLessThan(300)
    }
    const doc = await t.make.document(user, { title: 'Relayed doc' })
    const docUrl = `/api/v1/documents/${doc.id}`
    await ok('PATCH', docUrl, { title: 'Relayed doc, edited' })
    await ok('PUT', `${docUrl}/aliases/relayed`)
    await ok('DELETE', docUrl)
    await ok('POST', `${docUrl}/deleted`)
    await ok('PATCH', url, { first_name: 'Renamed', password: 'a-fresh-Secret-99' })
    await ok('DELETE', url)
    await ok('POST', `${url}/deleted`)
    await ok('DELETE', url)

    const before = await feed(t, admin.auth)
    // Each event's data is the record GET /events shows (compared before the purge redacts them).
    expect((await consumer.waitFor(before.length)).map((r) => r.event.data)).toEqual(before)
    await ok('DELETE', `${url}/deleted`)
    const records = await feed(t, admin.auth)
    const received = await consumer.waitFor(records.length)
    // Exactly the log, once each, in order; nothing more arrives.
    await new Promise((r) => setTimeout(r, 300))
    expect(ids(consumer.received)).toEqual(records.map((r) => r.sequence))

    const mine = received.filter((r) => r.event.subject === `users/${id}`)
    expect(mine.map((r) => r.event.type)).toEqual([
      'custodian.user.created',
      'custodian.user.updated',
      'custodian.user.deleted',
      'custodian.user.restored',
      'custodian.user.deleted',
      'custodian.user.purged',
    ])
    for (const { message, event } of mine) {
      expect(event).toMatchObject({
        specversion: '1.0',
        source: `${PUBLIC_URL}/api/v1`,
        subject: `users/${id}`,
        datacontenttype: 'application/json',
        data: { resource_type: 'users', resource_id: id, sequence: Number(event.id) },
      })
      expect(Date.parse(event.time as string)).not.toBeNaN()
      expect(message.contentType).toBe('application/cloudevents+json')
      expect(message.exchange).toBe(exchange)
      expect(message.routingKey).toBe(`users.${(event.data as { action: string }).action}`)
      expect(message.durable).toBe(true)
      expect(message.messageId).toBe(event.id)
    }
    const bodies = consumer.received.map((r) => r.message.body.toString()).join('\n')
    const theirs = received.filter((r) => r.event.subject === `documents/${doc.id}`)
    // The document's own actions, then the cascades of its owner's deletes, restore and purge.
    expect(theirs.map((r) => `${r.event.type} ${r.message.routingKey}`)).toEqual([
      'custodian.document.created documents.created',
      'custodian.document.updated documents.updated',
      'custodian.document.updated documents.updated',
      'custodian.document.deleted documents.deleted',
      'custodian.document.restored documents.restored',
      'custodian.document.deleted documents.deleted',
      'custodian.document.restored documents.restored',
      'custodian.document.deleted documents.deleted',
      'custodian.document.purged documents.purged',
    ])
    expect(bodies).not.toMatch(/password|argon2/i)
    expect(bodies).not.toContain(user.password)
    expect(bodies).not.toContain('a-fresh-Secret-99')

    const ready = await t.app.inject({ url: '/ready' })
    expect(ready.json()).toMatchObject({
      status: 'pass',
      checks: { 'rabbitmq:connection': [{ status: 'pass' }], 'outbox:lag': [{ observedValue: 0 }, {}] },
    })
    const metrics = (await t.app.inject({ url: '/metrics' })).body
    expect(metrics).toMatch(new RegExp(`custodian_outbox_published_total ${records.length}\\b`))
    expect(metrics).toMatch(/custodian_outbox_lag_events 0\b/)
  })

  it('publishes status moves of applications and leads as custodian.application.status_changed and custodian.lead.status_changed', async () => {
    const { t, consumer, admin } = await setup()
    const user = await t.make.user()
    const move = async (type: string, id: number, status: string) => {
      const res = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/${type}/${id}`,
        headers: user.auth,
        payload: { status },
      })
      expect(res.statusCode, res.body).toBe(200)
    }
    const application = await t.make.application(user)
    await move('applications', application.id, 'applied')
    const lead = await t.make.lead(user)
    await move('leads', lead.id, 'contacted')
    await move('leads', lead.id, 'lost')

    const records = await feed(t, admin.auth)
    await consumer.waitFor(records.length)
    const of = (subject: string) => consumer.received.filter((r) => r.event.subject === subject)
    expect(
      of(`applications/${application.id}`).map((r) => `${r.event.type} ${r.message.routingKey}`),
    ).toEqual([
      'custodian.application.created applications.created',
      'custodian.application.status_changed applications.status_changed',
    ])
    expect(of(`leads/${lead.id}`).map((r) => r.event.type)).toEqual([
      'custodian.lead.created',
      'custodian.lead.status_changed',
      'custodian.lead.status_changed',
    ])
    const moved = of(`applications/${application.id}`)[1]!.event
    expect(moved.data).toMatchObject({
      action: 'status_changed',
      actor_id: user.user.id,
      resource_type: 'applications',
      resource_id: application.id,
      before: { status: 'saved' },
      after: { status: 'applied' },
    })
    // Exactly what GET /events shows.
    expect(moved.data).toEqual(records.find((r) => r.sequence === Number(moved.id)))
  })

  it.skipIf(!broker.owned)(
    'keeps accepting writes while RabbitMQ is stopped, then publishes every change, in order',
    async () => {
      const { t, consumer, admin } = await setup()
      const users = await Promise.all(Array.from({ length: 3 }, () => t.make.user()))
      await consumer.waitFor((await feed(t, admin.auth)).length)

      await broker.stop()
      try {
        for (let i = 0; i < 20; i++) {
          const u = users[i % users.length]!
          const res = await t.app.inject({
            method: 'PATCH',
            url: `/api/v1/users/${u.user.id}`,
            headers: u.auth,
            payload: { last_name: `Offline ${i}` },
          })
          expect(res.statusCode).toBe(200)
        }
        const ready = await t.app.inject({ url: '/ready' })
        expect(ready.statusCode).toBe(200)
        expect(ready.json()).toMatchObject({
          status: 'warn',
          checks: { 'rabbitmq:connection': [{ status: 'warn' }], 'outbox:lag': [{ observedValue: 20 }, {}] },
        })
      } finally {
        await broker.start()
      }
      const records = await feed(t, admin.auth)
      await consumer.waitFor(records.length, 60_000)
      expect(ids(consumer.received)).toEqual(records.map((r) => r.sequence))
    },
  )

  it('two instances on one database and one broker: one relays at a time, no reordering, no duplicates', async () => {
    // The app itself relays nothing here (no AMQP_URL); two relays, as two instances would run them,
    // each on its own session of the same PostgreSQL database, hand over in the middle of the writes.
    const exchange = testExchange()
    const consumer = await consume(exchange)
    cleanups.push(() => consumer.close())
    const t = await createTestApp()
    cleanups.push(() => t.close())
    const admin = await t.make.admin()
    const url = t.database.url
    if (!url) throw new Error('this test needs PostgreSQL (TEST_DB=postgres)')
    const instance = async () => {
      const database = await openDatabase({ kind: 'postgres', url })
      const publisher = await createAmqpPublisher({ url: AMQP_URL, exchange, source: PUBLIC_URL })
      const relay = await startRelay({
        session: await database.session(),
        publisher,
        batchSize: 7,
        standbyPollMs: 50,
      })
      let stopping: Promise<void> | null = null
      const stop = () =>
        (stopping ??= (async () => {
          await relay.stop()
          await publisher.close()
          await database.close()
        })())
      cleanups.push(stop)
      return { relay, stop }
    }
    const a = await instance()
    const b = await instance()
    const users = await Promise.all(Array.from({ length: 6 }, () => t.make.user()))
    const write = (round: number) =>
      Promise.all(
        users.map((u) =>
          t.app.inject({
            method: 'PATCH',
            url: `/api/v1/users/${u.user.id}`,
            headers: u.auth,
            payload: { first_name: `Round ${round}` },
          }),
        ),
      )
    let bothLed = false
    const watch = setInterval(() => {
      if (a.relay.leader && b.relay.leader) bothLed = true
    }, 5)
    for (let round = 0; round < 5; round++) await write(round)
    const leader = a.relay.leader ? a : b
    expect(a.relay.leader !== b.relay.leader).toBe(true)
    await leader.stop()
    for (let round = 5; round < 10; round++) await write(round)
    const records = await feed(t, admin.auth)
    await consumer.waitFor(records.length)
    await new Promise((r) => setTimeout(r, 500))
    clearInterval(watch)
    expect(bothLed).toBe(false)
    expect(strictlyIncreasing(ids(consumer.received))).toBe(true)
    expect(ids(consumer.received)).toEqual(records.map((r) => r.sequence))
  })

  it('custodian events tail prints each event once, in order, dropping redeliveries by id', async () => {
    const exchange = testExchange()
    const queue = `${exchange}.tail`
    const rabbit = new Connection({ url: AMQP_URL, noDelay: true })
    cleanups.push(async () => {
      await rabbit.queueDelete({ queue }).catch(() => {})
      await rabbit.exchangeDelete({ exchange }).catch(() => {})
      await rabbit.close()
    })
    // The queue exists before the tail starts, so nothing published meanwhile is missed.
    await rabbit.exchangeDeclare({ exchange, type: 'topic', durable: true })
    await rabbit.queueDeclare({ queue, durable: true })
    await rabbit.queueBind({ queue, exchange, routingKey: '#' })
    const publisher = rabbit.createPublisher({ confirm: true })
    cleanups.push(() => publisher.close())
    // A crash made the relay send 2 and 3 again.
    for (const id of [1, 2, 3, 2, 3, 4]) {
      const event = { specversion: '1.0', id: String(id), type: 'custodian.user.updated', subject: 'users/1' }
      await publisher.send({ exchange, routingKey: 'users.updated', durable: true }, JSON.stringify(event))
    }
    const tail = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'events', 'tail', '--queue', queue, '--bind', 'users.*'],
      {
        env: { PATH: process.env.PATH, AMQP_URL, AMQP_EXCHANGE: exchange },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    let output = ''
    tail.stdout.on('data', (chunk) => {
      output += chunk
    })
    const deadline = Date.now() + 20_000
    while (output.split('\n').filter(Boolean).length < 4 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50))
    }
    await new Promise((r) => setTimeout(r, 300))
    tail.kill('SIGINT')
    const [code] = await once(tail, 'exit')
    const printed = output
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line).id)
    expect(printed).toEqual(['1', '2', '3', '4'])
    expect(code).toBe(0)
  })

  it('relays from the embedded database (PGlite) too', async () => {
    const exchange = testExchange()
    const consumer = await consume(exchange)
    const database = await openDatabase({ kind: 'pglite', dataDir: null })
    await migrateToLatest(database.db)
    const publisher = await createAmqpPublisher({ url: AMQP_URL, exchange, source: PUBLIC_URL })
    // One record per batch at most: every batch is over the byte bound, and still moves on.
    const relay = await startRelay({
      session: await database.session(),
      publisher,
      batchSize: 2,
      batchBytes: 1,
    })
    cleanups.push(async () => {
      await relay.stop()
      await publisher.close()
      await database.close()
      await consumer.close()
    })
    for (let i = 1; i <= 5; i++) {
      await database.db
        .transaction()
        .execute((tx) =>
          recordChanges(tx, SYSTEM, [
            { type: 'users', id: i, owner: i, action: 'created', after: { id: i } },
          ]),
        )
    }
    await consumer.waitFor(5)
    expect(ids(consumer.received)).toEqual([1, 2, 3, 4, 5])
    expect(relay.leader).toBe(true)
  })
})
