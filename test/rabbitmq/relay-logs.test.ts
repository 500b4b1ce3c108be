import { once } from 'node:events'
import { type AddressInfo, connect, createServer, type Socket } from 'node:net'
import { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { migrateToLatest, openDatabase } from '../../src/db/database.js'
import { BROKER_GRACE_MS } from '../../src/platform/changes/broker-log.js'
import { recordChanges, SYSTEM } from '../../src/platform/changes/changes.js'
import { PUBLIC_URL } from '../helpers/app.js'
import { freePort } from '../helpers/net.js'
import { AMQP_URL, consume, testExchange } from '../helpers/rabbitmq.js'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface LogLine {
  level: number
  msg: string
  err?: { stack?: string }
}

/**
 * A server on the embedded database (its queries are fast enough to publish before the broker has
 * answered) starting with a change not yet relayed, its log as an operator reads it (LOG_LEVEL=info).
 */
async function startWithPendingChanges(amqpUrl: string, exchange: string) {
  const database = await openDatabase({ kind: 'pglite', dataDir: null })
  cleanups.push(() => database.close())
  await migrateToLatest(database.db)
  await database.db
    .transaction()
    .execute((tx) =>
      recordChanges(tx, SYSTEM, [{ type: 'users', id: 1, owner: 1, action: 'created', after: { id: 1 } }]),
    )
  const lines: LogLine[] = []
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)))
      done()
    },
  })
  const config = loadConfig({ PUBLIC_URL, LOG_LEVEL: 'info', AMQP_URL: amqpUrl, AMQP_EXCHANGE: exchange })
  const app = await buildApp({ config, database, logStream, jobs: true })
  await app.ready()
  cleanups.push(() => app.close())
  // Only what concerns the broker (a test server has no admin console built, say).
  return { warnings: () => lines.filter((l) => l.level >= 40 && /relay|rabbitmq/i.test(l.msg)) }
}

/** The broker behind a proxy that lets each connection through only after `delayMs`: a slow network. */
async function slowBroker(delayMs: number) {
  const target = new URL(AMQP_URL)
  const sockets = new Set<Socket>()
  const proxy = createServer((client) => {
    sockets.add(client)
    client.pause()
    setTimeout(() => {
      const upstream = connect(Number(target.port || 5672), target.hostname)
      sockets.add(upstream)
      client.pipe(upstream).pipe(client)
      client.resume()
      const end = () => {
        client.destroy()
        upstream.destroy()
      }
      client.on('error', end).on('close', end)
      upstream.on('error', end).on('close', end)
    }, delayMs)
  }).listen(0, '127.0.0.1')
  await once(proxy, 'listening')
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy()
    proxy.close()
  })
  const { port } = proxy.address() as AddressInfo
  return `amqp://${target.username}:${target.password}@127.0.0.1:${port}`
}

describe('what the relay logs about the broker', () => {
  it('says nothing alarming while the broker is still answering on start', async () => {
    const exchange = testExchange()
    const consumer = await consume(exchange)
    cleanups.push(() => consumer.close())
    const server = await startWithPendingChanges(await slowBroker(1500), exchange)
    await consumer.waitFor(1)
    expect(server.warnings()).toEqual([])
  })

  it('warns once, in one line naming the reason and without a stack, when the broker cannot be reached', async () => {
    const unreachable = `amqp://guest:guest@127.0.0.1:${await freePort()}`
    const server = await startWithPendingChanges(unreachable, testExchange())
    await new Promise((r) => setTimeout(r, BROKER_GRACE_MS / 4))
    expect(server.warnings()).toEqual([])
    // Past the grace period, one warning naming the reason; the relay's retries stay debug.
    const expected = ['RabbitMQ connection error; retrying']
    const messages = () => server.warnings().map((l) => l.msg)
    const deadline = Date.now() + BROKER_GRACE_MS * 3
    while (!expected.every((m) => messages().includes(m)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200))
    await new Promise((r) => setTimeout(r, 2000))
    expect(messages()).toEqual(expected)
    expect(server.warnings()[0]).toMatchObject({ reason: expect.stringContaining('ECONNREFUSED') })
    expect(server.warnings().filter((l) => l.err?.stack)).toEqual([])
  }, 90_000)
})
