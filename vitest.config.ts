import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createConnection } from 'node:net'
import postgres from 'postgres'
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config'

/**
 * One suite, several passes. `test/integration` runs once against embedded PGlite and once against a
 * real PostgreSQL (TEST_DATABASE_URL, default 127.0.0.1:5432) when one answers. With CI=true an
 * unreachable PostgreSQL fails the run instead of silently skipping its pass.
 */
const postgresUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const amqpUrl = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
/**
 * Some RabbitMQ tests stop and start the broker (rabbitmqctl, on this machine): only a broker the
 * tests own — this machine's by default; one named by TEST_AMQP_URL only with TEST_AMQP_OWNED=1.
 */
const brokerOwned = process.env.TEST_AMQP_URL === undefined || process.env.TEST_AMQP_OWNED === '1'
const amqpEnv = { TEST_AMQP_URL: amqpUrl, TEST_AMQP_OWNED: brokerOwned ? '1' : '0' }
/** Debian's HAProxy fronts the scale-out tests' three instances (test/cluster). */
function haproxyMissing(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v haproxy || test -x /usr/sbin/haproxy'], { stdio: 'ignore' })
    return false
  } catch {
    return true
  }
}
/** The fault tests (test/faults) take minutes: `npm run test:faults` runs them, `npm test` does not. */
const faults = process.env.CUSTODIAN_FAULTS === '1'
/** Debian's Chromium drives the admin console's tests (test/browser); Playwright never downloads one. */
const chromium = '/usr/bin/chromium'

async function reachable(url: string): Promise<string | null> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} })
  try {
    await sql`SELECT 1`
    return null
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    await sql.end({ timeout: 1 })
  }
}

async function listening(url: string): Promise<string | null> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 5672), timeout: 3000 })
    socket.once('connect', () => {
      socket.destroy()
      resolve(null)
    })
    socket.once('timeout', () => {
      socket.destroy()
      resolve('timed out')
    })
    socket.once('error', (error) => resolve(error.message))
  })
}

// Vitest evaluates this file once per inline project: probe and announce only once.
const state = globalThis as {
  custodianProbe?: Promise<string | null>
  custodianBroker?: Promise<string | null>
}

export default defineConfig(async () => {
  const announce = state.custodianProbe === undefined
  state.custodianProbe ??= reachable(postgresUrl)
  state.custodianBroker ??= listening(amqpUrl)
  const failure = await state.custodianProbe
  const brokerFailure = await state.custodianBroker
  const where = postgresUrl.replace(/\/\/[^@/]*@/, '//')
  const broker = amqpUrl.replace(/\/\/[^@/]*@/, '//')
  if (failure && process.env.CI === 'true') {
    throw new Error(
      `CI=true and PostgreSQL is unreachable at ${where} (${failure}): the PostgreSQL pass may not be skipped`,
    )
  }
  const browserMissing = !existsSync(chromium)
  if (browserMissing && process.env.CI === 'true') {
    throw new Error(
      `CI=true and Chromium is missing at ${chromium} (apt-get install -y chromium): the browser tests may not be skipped`,
    )
  }
  if (brokerFailure && process.env.CI === 'true') {
    throw new Error(
      `CI=true and RabbitMQ is unreachable at ${broker} (${brokerFailure}): its tests may not be skipped`,
    )
  }
  // The relay tests need both PostgreSQL (two instances on one database) and RabbitMQ.
  const relayPass = !failure && !brokerFailure
  const noHaproxy = haproxyMissing()
  if (noHaproxy && process.env.CI === 'true')
    throw new Error(
      'CI=true and haproxy is missing (apt-get install -y haproxy): the scale-out tests may not be skipped',
    )
  const clusterPass = relayPass && !noHaproxy
  if (announce) {
    const ran = ['unit', 'e2e', 'integration on PGlite']
    const skipped: string[] = []
    if (failure) skipped.push(`PostgreSQL pass: ${where} unreachable (${failure})`)
    else ran.push(`integration on PostgreSQL (${where})`)
    if (relayPass)
      ran.push(
        `relay on RabbitMQ (${broker}; ${brokerOwned ? 'ours: tests stop and start it' : 'not ours: the tests that stop it are skipped, TEST_AMQP_OWNED=1 allows them'})`,
      )
    else
      skipped.push(
        `RabbitMQ pass: ${brokerFailure ? `${broker} unreachable (${brokerFailure})` : 'needs PostgreSQL'}`,
      )
    if (clusterPass) ran.push('3 instances behind HAProxy')
    else
      skipped.push(
        `scale-out pass: ${noHaproxy ? 'no haproxy (apt-get install haproxy)' : 'needs PostgreSQL and RabbitMQ'}`,
      )
    if (browserMissing)
      skipped.push(`browser pass: no ${chromium} (apt-get install chromium; never \`playwright install\`)`)
    else ran.push(`admin console in Chromium (${chromium})`)
    if (faults) ran.push('fault tests')
    else skipped.push('fault tests: `npm run test:faults` runs them (minutes)')
    console.log(['', `  Passes: ${ran.join(', ')}.`, ...skipped.map((s) => `  SKIPPED ${s}.`), ''].join('\n'))
  }
  /**
   * The in-process passes share a worker's modules between files (isolate: false): each file used to
   * import the whole service again (Fastify, TypeBox, Kysely…), seconds per file on this machine. No
   * test mocks modules or stubs globals; every file builds its own app and database.
   */
  const project = (
    name: string,
    include: string,
    env: Record<string, string> = {},
  ): TestProjectInlineConfiguration => ({
    extends: true,
    test: { name, include: [include], env, isolate: false },
  })
  /** Real servers as processes on PostgreSQL, RabbitMQ and Redis, killed and cut off: one file at a time. */
  const servers = (name: string, include: string, timeoutMs: number): TestProjectInlineConfiguration => ({
    extends: true,
    test: {
      name,
      sequence: { groupOrder: 1 },
      include: [include],
      env: { TEST_DB: 'postgres', TEST_DATABASE_URL: postgresUrl, ...amqpEnv },
      fileParallelism: false,
      testTimeout: timeoutMs,
      hookTimeout: 180_000,
    },
  })
  const integration = 'test/integration/**/*.test.ts'
  return {
    test: {
      testTimeout: 30_000,
      hookTimeout: 60_000,
      /**
       * Both cores (Vitest's default leaves one idle on a 2-core machine). The in-process passes and the
       * browser pass run side by side (each file has its own database, server and browser); then the
       * scale-out pass; then, one file at a time, the RabbitMQ pass (it stops the broker the scale-out
       * tests use, and kills servers).
       */
      maxWorkers: 2,
      // The migrated embedded database every in-memory test database is loaded from.
      globalSetup: ['test/helpers/pglite-image.ts'],
      projects: [
        project('unit', 'src/**/*.test.ts'),
        {
          extends: true,
          test: {
            name: 'e2e',
            include: ['test/e2e/**/*.test.ts'],
            // Builds dist/ (server and database image) when stale: the tests run the built CLI.
            globalSetup: ['test/helpers/pglite-image.ts', 'test/helpers/build.ts'],
          },
        } satisfies TestProjectInlineConfiguration,
        project('pglite', integration, { TEST_DB: 'pglite' }),
        ...(failure
          ? []
          : [project('postgres', integration, { TEST_DB: 'postgres', TEST_DATABASE_URL: postgresUrl })]),
        ...(relayPass
          ? [
              {
                extends: true,
                test: {
                  name: 'rabbitmq',
                  include: ['test/rabbitmq/**/*.test.ts'],
                  // It stops the broker the scale-out tests use: never beside them.
                  env: { TEST_DB: 'postgres', TEST_DATABASE_URL: postgresUrl, ...amqpEnv },
                  // One file stops the broker, another kills a server: one file at a time.
                  fileParallelism: false,
                  testTimeout: 120_000,
                },
              } satisfies TestProjectInlineConfiguration,
            ]
          : []),
        ...(clusterPass ? [servers('cluster', 'test/cluster/**/*.test.ts', 600_000)] : []),
        // A fault run lasts as long as its 20 restarts under load take: half an hour at most on 2 busy cores.
        ...(clusterPass && faults ? [servers('faults', 'test/faults/**/*.test.ts', 1_800_000)] : []),
        ...(browserMissing
          ? []
          : [
              {
                extends: true,
                test: {
                  name: 'browser',
                  include: ['test/browser/**/*.test.ts'],
                  // Builds the console first when admin/dist is missing or older than its sources.
                  globalSetup: ['test/browser/global-setup.ts'],
                  env: { CHROMIUM_PATH: chromium },
                  testTimeout: 120_000,
                  hookTimeout: 180_000,
                },
              } satisfies TestProjectInlineConfiguration,
            ]),
      ],
    },
  }
})
