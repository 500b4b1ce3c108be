import postgres from 'postgres'
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config'

/**
 * One suite, several passes. `test/integration` runs once against embedded PGlite and once against a
 * real PostgreSQL (TEST_DATABASE_URL, default 127.0.0.1:5432) when one answers. With CI=true an
 * unreachable PostgreSQL fails the run instead of silently skipping its pass.
 */
const postgresUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

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

// Vitest evaluates this file once per inline project: probe and announce only once.
const state = globalThis as { custodianProbe?: Promise<string | null> }

export default defineConfig(async () => {
  const announce = state.custodianProbe === undefined
  state.custodianProbe ??= reachable(postgresUrl)
  const failure = await state.custodianProbe
  const where = postgresUrl.replace(/\/\/[^@/]*@/, '//')
  if (failure && process.env.CI === 'true') {
    throw new Error(
      `CI=true and PostgreSQL is unreachable at ${where} (${failure}): the PostgreSQL pass may not be skipped`,
    )
  }
  if (announce)
    console.log(
      failure
        ? `\n  Passes: unit, e2e, integration on PGlite. PostgreSQL pass SKIPPED: ${where} unreachable (${failure}).\n`
        : `\n  Passes: unit, e2e, integration on PGlite, integration on PostgreSQL (${where}).\n`,
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
      ],
    },
  }
})
