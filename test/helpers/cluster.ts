import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { Redis } from 'ioredis'
import type { Db } from '../../src/db/database.js'
import { createTestDatabase } from './database.js'
import { startHaproxy } from './haproxy.js'
import { freePort } from './net.js'
import { AMQP_URL, consume, testExchange } from './rabbitmq.js'

/**
 * The Redis database the cluster's instances share their rate-limit counters in: one of its own, emptied
 * at each start, so counters of earlier runs (user ids restart in every fresh database) never count.
 */
export const CLUSTER_REDIS_URL = `${process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'}/9`

export interface Instance {
  readonly name: string
  readonly port: number
  /** This instance directly, bypassing the proxy. */
  readonly base: string
  readonly process: ChildProcess | null
  /** SIGKILL: no graceful shutdown, connections cut mid-request. */
  kill(): Promise<void>
  /** Starts it again on the same port; resolves once `/ready` answers 200. */
  start(): Promise<void>
  stop(): Promise<void>
}

export interface ClusterOptions {
  instances?: number
  databaseUrl: string
  /** Extra environment for every instance (AMQP_URL, PURGE_INTERVAL_SECONDS, …). */
  env?: Record<string, string>
}

async function waitReady(base: string, child: ChildProcess, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) before it was ready`)
    const res = await fetch(`${base}/ready`, { signal: AbortSignal.timeout(2000) }).catch(() => null)
    if (res?.status === 200) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${base} was not ready within ${timeoutMs} ms`)
}

/**
 * Several instances of the real server (each its own process, from source) on one PostgreSQL,
 * sharing rate limits through Redis, behind HAProxy on a loopback port: what a scaled-out deployment
 * looks like, small enough for a test (see startHaproxy for how the proxy treats a dead instance).
 */
export async function startCluster(options: ClusterOptions) {
  const redis = new Redis(CLUSTER_REDIS_URL, { maxRetriesPerRequest: 1 })
  await redis.flushdb()
  await redis.quit()

  const instances: Instance[] = []
  for (let i = 1; i <= (options.instances ?? 3); i++) {
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    let child: ChildProcess | null = null
    const env = {
      PATH: process.env.PATH,
      PORT: String(port),
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: CLUSTER_REDIS_URL,
      LOG_LEVEL: process.env.DEBUG_CLUSTER ? 'warn' : 'error',
      GEO_ALLOW_UNKNOWN: 'true',
      ...options.env,
    }
    const instance: Instance = {
      name: `instance ${i}`,
      port,
      base,
      get process() {
        return child
      },
      async start() {
        const started = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
          env,
          stdio: ['ignore', 'ignore', 'inherit'],
        })
        child = started
        await waitReady(base, started)
      },
      async kill() {
        const running = child
        if (!running || running.exitCode !== null || running.signalCode !== null) return
        const exited = once(running, 'exit')
        running.kill('SIGKILL')
        await exited
      },
      async stop() {
        const running = child
        if (!running || running.exitCode !== null || running.signalCode !== null) return
        const exited = once(running, 'exit')
        running.kill('SIGTERM')
        const timer = setTimeout(() => running.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(timer)
      },
    }
    instances.push(instance)
  }
  // One at a time: they migrate nothing (the database is migrated) but start faster without contention.
  for (const instance of instances) await instance.start()

  const proxy = await startHaproxy(instances.map((instance) => instance.port))

  return {
    /** The proxy: where clients go. */
    base: proxy.base,
    instances,
    async close() {
      await proxy.close()
      await Promise.all(instances.map((instance) => instance.stop()))
    },
  }
}

export type Cluster = Awaited<ReturnType<typeof startCluster>>

/**
 * What the cluster and fault tests run on: a PostgreSQL database of their own (`prepare` may seed it
 * first), a consumer of a test exchange the instances relay to, and the cluster with `env` on top.
 */
export async function startTestCluster(env: Record<string, string>, prepare?: (db: Db) => Promise<unknown>) {
  const database = await createTestDatabase()
  if (!database.url) throw new Error('these tests need PostgreSQL (TEST_DB=postgres)')
  await prepare?.(database.db)
  const exchange = testExchange()
  const consumer = await consume(exchange)
  const cluster = await startCluster({
    databaseUrl: database.url,
    env: { AMQP_URL, AMQP_EXCHANGE: exchange, ...env },
  })
  return {
    database,
    consumer,
    cluster,
    async close() {
      await cluster.close()
      await consumer.close()
      await database.close()
    },
  }
}

export type TestCluster = Awaited<ReturnType<typeof startTestCluster>>

/** `count` users signed up through `base`, each with a token: the writers of a load. */
export async function signUpWriters(base: string, count: number): Promise<string[]> {
  const json = { 'content-type': 'application/json' }
  const tokens: string[] = []
  for (let n = 0; n < count; n++) {
    const credentials = { email: `writer${n}@example.ch`, password: 'a-writer-Secret' }
    const created = await fetch(`${base}/api/v1/users`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ ...credentials, first_name: 'W', last_name: String(n) }),
    })
    if (created.status !== 201) throw new Error(`sign-up: ${created.status} ${await created.text()}`)
    const res = await fetch(`${base}/api/v1/tokens`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify(credentials),
    })
    tokens.push(((await res.json()) as { token: string }).token)
  }
  return tokens
}
