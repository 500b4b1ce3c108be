import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatabaseHandle } from '../../src/db/database.js'
import { createAdmin } from '../../src/modules/users/admin-bootstrap.js'
import { usersRepository } from '../../src/modules/users/users.repository.js'
import { passwords } from '../../src/platform/auth/passwords.js'
import { createTestDatabase } from '../helpers/database.js'
import { freePort } from '../helpers/net.js'
import { AMQP_URL, consume, testExchange } from '../helpers/rabbitmq.js'

let database: DatabaseHandle & { url: string | null }
let consumer: Awaited<ReturnType<typeof consume>>
const exchange = testExchange()
beforeAll(async () => {
  database = await createTestDatabase()
  consumer = await consume(exchange)
})
afterAll(async () => {
  await consumer.close()
  await database.close()
})

/** The real server, from source, in a process of its own that a test can SIGKILL. */
async function startServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      DATABASE_URL: database.url ?? '',
      AMQP_URL,
      AMQP_EXCHANGE: exchange,
      LOG_LEVEL: 'error',
      RATE_LIMIT_MAX: '1000000',
      PURGE_INTERVAL_SECONDS: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  for (let i = 0; i < 300 && child.exitCode === null; i++) {
    const ready = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => null)
    if (ready?.status === 200) return child
    await new Promise((r) => setTimeout(r, 100))
  }
  child.kill('SIGKILL')
  throw new Error('the server did not become ready')
}

describe('the relay after a crash', () => {
  it('SIGKILL during a write load: every committed change is published, nothing uncommitted is', async () => {
    if (!database.url) throw new Error('this test needs PostgreSQL (TEST_DB=postgres)')
    const admin = await createAdmin(
      { db: database.db, repo: usersRepository, passwords },
      { email: 'crash-admin@example.ch', password: 'crash-admin-Secret' },
    )
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    let server = await startServer(port)
    const signIn = await fetch(`${base}/api/v1/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'crash-admin@example.ch', password: 'crash-admin-Secret' }),
    })
    const { token } = (await signIn.json()) as { token: string }
    const auth = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    }

    // Eight writers patch the admin's name as fast as they can; the server is killed under them.
    const committed: number[] = []
    let writing = true
    const writer = async (n: number) => {
      for (let i = 0; writing; i++) {
        try {
          const res = await fetch(`${base}/api/v1/users/${admin.id}`, {
            method: 'PATCH',
            headers: auth,
            body: JSON.stringify({ last_name: `Writer ${n}.${i}` }),
          })
          // The ETag names the version this write produced.
          if (res.status === 200) committed.push(Number(res.headers.get('etag')?.replace(/\D/g, '')))
        } catch {
          // The connection died with the server: the write may or may not have committed.
        }
      }
    }
    const writers = Array.from({ length: 8 }, (_, n) => writer(n))
    // Killed in the middle of the load: once some writes went through (however busy the machine is).
    const loaded = Date.now() + 30_000
    while (committed.length < 30 && Date.now() < loaded) await new Promise((r) => setTimeout(r, 20))
    await new Promise((r) => setTimeout(r, 200))
    server.kill('SIGKILL')
    await once(server, 'exit')
    writing = false
    await Promise.all(writers)
    expect(committed.length).toBeGreaterThan(20)

    server = await startServer(port)
    try {
      // Drained: the log's every change has arrived at least once.
      const log = await database.db.selectFrom('changes').select('seq').orderBy('seq').execute()
      const logIds = log.map((c) => String(c.seq))
      const deadline = Date.now() + 60_000
      while (!logIds.every((id) => consumer.received.some((r) => r.event.id === id))) {
        if (Date.now() > deadline) throw new Error('not every committed change was published')
        await new Promise((r) => setTimeout(r, 50))
      }
      await new Promise((r) => setTimeout(r, 500))

      const received = consumer.received.map((r) => r.event)
      // Nothing was published that the log does not hold: no event for an uncommitted write.
      expect(new Set(received.map((e) => e.id))).toEqual(new Set(logIds))
      // Duplicates (a batch published again after the crash) carry the same id and the same body.
      const first = new Map<string, string>()
      for (const event of received) {
        const body = JSON.stringify(event)
        expect(first.get(event.id) ?? body).toBe(body)
        first.set(event.id, body)
      }
      // Deduplicated by id, the stream is in order.
      const order = [...first.keys()].map(Number)
      expect(order).toEqual([...order].sort((a, b) => a - b))
      // Every write the clients saw succeed is among the events.
      const versions = new Set(
        received.map((e) => (e.data as { after: { version?: number } | null }).after?.version),
      )
      for (const version of committed) expect(versions.has(version)).toBe(true)
    } finally {
      server.kill('SIGKILL')
      await once(server, 'exit')
    }
  })
})
