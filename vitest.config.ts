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
  if (announce)
    console.log(
      [
        '',
        `  Passes: unit, e2e, integration on PGlite${failure ? '' : `, integration on PostgreSQL (${where})`}${relayPass ? `, relay on RabbitMQ (${broker})` : ''}${browserMissing ? '' : `, admin console in Chromium (${chromium})`}.`,
        ...(failure ? [`  PostgreSQL pass SKIPPED: ${where} unreachable (${failure}).`] : []),
        ...(relayPass
          ? []
          : [
              `  RabbitMQ pass SKIPPED: ${brokerFailure ? `${broker} unreachable (${brokerFailure})` : 'needs PostgreSQL'}.`,
            ]),
        ...(browserMissing
          ? [
              `  Browser pass SKIPPED: no ${chromium} (apt-get install chromium; never \`playwright install\`).`,
            ]
          : []),
        '',
      ].join('\n'),
    )
  const project = (
    name: string,
    include: string,
    env: Record<string, string> = {},
  ): TestProjectInlineConfiguration => ({
    extends: true,
    test: { name, include: [include], env },
  })
  const integration = 'test/integration/**/*.test.ts'
  return {
    test: {
      testTimeout: 30_000,
      hookTimeout: 60_000,
      projects: [
        project('unit', 'src/**/*.test.ts'),
        project('e2e', 'test/e2e/**/*.test.ts'),
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
                  env: { TEST_DB: 'postgres', TEST_DATABASE_URL: postgresUrl, TEST_AMQP_URL: amqpUrl },
                  // One file stops the broker, another kills a server: one file at a time.
                  fileParallelism: false,
                  testTimeout: 120_000,
                },
              } satisfies TestProjectInlineConfiguration,
            ]
          : []),
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
                  // One server and one browser per file, and a 2-core machine: one file at a time.
                  fileParallelism: false,
                  testTimeout: 120_000,
                  hookTimeout: 180_000,
                },
              } satisfies TestProjectInlineConfiguration,
            ]),
      ],
    },
  }
})
