/**
 * `npm run bench`: the built server on a real PostgreSQL holding 10,000 users, measured in the same run
 * as a bare Fastify route, so its numbers read as ratios to what this machine can do at all.
 *
 * 1. (Re)creates the database `custodian_bench`, migrates it with the CLI and seeds it (users,
 *    documents with one alias each, 100,000 applications with their status histories).
 * 2. Starts, as child processes on free ports of 127.0.0.1: the bare server, Custodian with its token
 *    cache (the default) and Custodian without it (TOKEN_CACHE_SECONDS=0).
 * 3. Measures, in BENCH_ROUNDS rounds, each scenario right after the bare route, each for
 *    BENCH_SECONDS after an unrecorded warm-up. A scenario's ratio is taken against the bare run just
 *    before it, and the report gives medians over the rounds: on a shared 2-core machine the bare
 *    route alone drifts by a third within a minute, so single runs make unreliable ratios.
 * 4. Prints a markdown table and writes bench/results/latest.json.
 *
 * Children and the database are removed however the run ends (success, failure, SIGINT, time limit);
 * any non-2xx response makes the run fail. Settings: BENCH_ROUNDS (3), BENCH_SECONDS (5), BENCH_WARMUP_SECONDS (2),
 * BENCH_CONNECTIONS (16), BENCH_DATABASE_URL (maintenance connection,
 * postgres://postgres@127.0.0.1:5432/postgres), BENCH_DATABASE_NAME (custodian_bench: two checkouts
 * benchmarking on one server need different names), BENCH_ONLY (run only the scenarios whose name
 * contains it, e.g. `documents` or `applications`), BENCH_PURGE_ROWS (below), BENCH_RELAY (0 skips the relay;
 * BENCH_RELAY_EVENTS, BENCH_RELAY_SECONDS, BENCH_AMQP_URL: see bench/relay.ts), BENCH_SCALE (0 skips
 * three instances behind HAProxy and the sign-up flood; BENCH_REDIS_URL: see bench/scale.ts),
 * BENCH_LIST_SCALE (0 skips the admin's first pages at 10,000 and then at 1,000,000 live users; it
 * runs last, as it adds the users).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { hash } from '@node-rs/argon2'
import autocannon from 'autocannon'
import postgres from 'postgres'
import { freePort } from '../test/helpers/net.js'
import { relayBench } from './relay.js'
import { scaleBench } from './scale.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const cli = path.join(root, 'dist', 'cli.js')
const startedAt = performance.now()

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer (got ${JSON.stringify(raw)})`)
  }
  return value
}

const settings = {
  rounds: positiveInt('BENCH_ROUNDS', 3),
  seconds: positiveInt('BENCH_SECONDS', 5),
  warmupSeconds: positiveInt('BENCH_WARMUP_SECONDS', 2),
  connections: positiveInt('BENCH_CONNECTIONS', 16),
  pipelining: 1,
  users: 10_000,
  documents: 10_000,
  /** Applications: the reader holds a tenth of those with a history, the mover the ones it moves. */
  applications: 100_000,
  moverApplications: 20_000,
  moveConnections: 32,
  tokenCacheSeconds: 10,
  rateLimitMax: 1_000_000_000,
}
/** Expired archived users purged under load at the end of the run; BENCH_PURGE_ROWS=0 skips it. */
const purgeRows =
  process.env.BENCH_PURGE_ROWS === undefined ? 1_000_000 : Number(process.env.BENCH_PURGE_ROWS)
if (!Number.isInteger(purgeRows) || purgeRows < 0) throw new Error('BENCH_PURGE_ROWS must be a whole number')
const GATE_OFF = 'POST /users, gate not consulted (loopback)'
const GATE_ON = 'POST /users, offline gate (Swiss X-Forwarded-For)'
const DOC_BY_ID = 'GET /documents/{id}, owner reads'
const DOC_BY_ALIAS = 'GET /documents/{alias}, owner reads'
/** Live users in the lists-at-scale run (BENCH_LIST_SCALE=0 skips it). */
const LIST_SCALE_USERS = 1_000_000
const MAINTENANCE_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres'
const DATABASE_NAME = process.env.BENCH_DATABASE_NAME || 'custodian_bench'
if (!/^[a-z_][a-z0-9_]*$/.test(DATABASE_NAME))
  throw new Error('BENCH_DATABASE_NAME must be a plain identifier')
const ONLY = process.env.BENCH_ONLY ?? ''
const DOC_ALIAS = 'bench-doc'
const PASSWORD = 'bench-password'
const READER_EMAIL = 'reader@bench.example'
const ADMIN_EMAIL = 'admin@bench.example'
const MOVER_EMAIL = 'mover@bench.example'
const STATS_ADMIN = 'GET /applications/stats, admin (all 100,000 applications)'
const STATS_USER = 'GET /applications/stats, a user with 10,000 applications'
const MOVE = 'PATCH /applications/{id} status move, 32 clients'
const EDIT = 'PATCH /applications/{id} notes (no move), 32 clients'
/** The main path of an application: the move scenario walks the mover's applications along it. */
const APPLICATION_PATH = ['saved', 'applied', 'screening', 'interviewing', 'offer', 'accepted']

// biome-ignore format: a table
const FIRST_NAMES = [
  'Ada', 'Alan', 'Barbara', 'Claude', 'Donald', 'Edsger', 'Frances', 'Grace', 'Hedy', 'Ivan',
  'John', 'Katherine', 'Leslie', 'Margaret', 'Niklaus', 'Ole', 'Radia', 'Shafi', 'Tim', 'Xavier',
]
// biome-ignore format: a table
const LAST_NAMES = [
  'Allen', 'Backus', 'Cerf', 'Dijkstra', 'Engelbart', 'Floyd', 'Goldwasser', 'Hamilton', 'Hopper',
  'Iverson', 'Kahn', 'Knuth', 'Lamport', 'Liskov', 'McCarthy', 'Perlman', 'Ritchie', 'Sutherland',
  'Thompson', 'Wirth',
]
const COUNTRIES = ['FR', 'DE', 'US', 'JP', 'BR']

/** Logs a step to stderr, so stdout carries only the report. */
function step(message: string) {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1).padStart(5)
  console.error(`[bench ${seconds} s] ${message}`)
}

// ---------------------------------------------------------------------------------------------------
// Clean-up

/** Undo steps, run last registered first. */
const undo: (() => Promise<unknown>)[] = []
let cleaning: Promise<void> | undefined

function onCleanup(task: () => Promise<unknown>) {
  undo.push(task)
}

/** Runs every undo step once, even when called again (a signal during a clean-up already under way). */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    // A step registered while this runs (a server spawned just now) is still picked up.
    for (let task = undo.pop(); task; task = undo.pop()) {
      try {
        await task()
      } catch (error) {
        console.error('bench: a clean-up step failed:', error)
      }
    }
  })()
  return cleaning
}

/** Exits explicitly: a forgotten handle (a keep-alive socket, a timer) must not keep the run alive. */
async function exit(code: number): Promise<never> {
  await cleanUp()
  process.exit(code)
}

// ---------------------------------------------------------------------------------------------------
// Processes

interface Server {
  name: string
  url: string
  child: ChildProcess
}

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null

async function stop(child: ChildProcess) {
  if (hasExited(child)) return
  const exited = once(child, 'exit').then(() => 'exited' as const)
  child.kill('SIGTERM')
  const timeout = sleep(5_000, 'timeout' as const, { ref: false })
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    child.kill('SIGKILL')
    await exited
  }
}

/**
 * Custodian's whole environment: nothing else reaches it from the shell that runs the bench, and it
 * runs in an empty directory, so neither a developer's variables nor a ./.env (which the CLI loads)
 * can change what is measured.
 */
function custodianEnv(databaseUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const passed = Object.entries(process.env).filter(([name]) => name === 'PATH' || name.startsWith('PG'))
  return {
    ...Object.fromEntries(passed),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    // The limiter still runs (it counts every request and sets its headers) but never refuses: at its
    // default of 600 a minute per client, the bench's one user would be refused within a second.
    RATE_LIMIT_MAX: String(settings.rateLimitMax),
    RATE_LIMIT_CREDENTIALS_MAX: String(settings.rateLimitMax),
    // Sign-ups from loopback without X-Forwarded-For skip the geolocation lookup: the "gate off" case.
    GEO_ALLOW_UNKNOWN: 'true',
    ...extra,
  }
}

async function startServer(
  name: string,
  args: string[],
  options: { cwd: string; env: (port: number) => NodeJS.ProcessEnv },
) {
  const port = await freePort()
  // stdout and stderr are inherited: at LOG_LEVEL=warn anything the servers print is worth seeing.
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: options.env(port),
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  onCleanup(() => stop(child))
  return { name, url: `http://127.0.0.1:${port}`, child } satisfies Server
}

async function waitUntilReady(server: Server, readyPath: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (hasExited(server.child)) {
      throw new Error(
        `${server.name} exited (${server.child.exitCode ?? server.child.signalCode}) before it was ready`,
      )
    }
    try {
      const response = await fetch(server.url + readyPath, { signal: AbortSignal.timeout(1_000) })
      await response.body?.cancel()
      if (response.ok) return
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${server.name} was not ready within ${timeoutMs / 1000} s`)
    await sleep(100)
  }
}

// ---------------------------------------------------------------------------------------------------
// Database

async function createDatabase(maintenance: postgres.Sql): Promise<string> {
  await maintenance`DROP DATABASE IF EXISTS ${maintenance(DATABASE_NAME)} WITH (FORCE)`
  await maintenance`CREATE DATABASE ${maintenance(DATABASE_NAME)}`
  // FORCE: a server that did not stop in time still holds connections.
  onCleanup(() => maintenance`DROP DATABASE IF EXISTS ${maintenance(DATABASE_NAME)} WITH (FORCE)`)
  const url = new URL(MAINTENANCE_URL)
  url.pathname = `/${DATABASE_NAME}`
  return url.href
}

/** Inserts `settings.users` users in one statement; the first is a regular user, the second an admin. */
async function seed(databaseUrl: string) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  try {
    // One hash for every row: argon2id is slow on purpose, and only the two known users ever sign in.
    const passwordHash = await hash(PASSWORD)
    const known = await sql<{ id: number; email: string }[]>`
      WITH inserted AS (
        INSERT INTO users
          (email, password_hash, first_name, last_name, address, country, role, created_at, updated_at)
        SELECT
          CASE i WHEN 1 THEN ${READER_EMAIL} WHEN 2 THEN ${ADMIN_EMAIL} WHEN 3 THEN ${MOVER_EMAIL}
            ELSE lower(first_name || '.' || last_name) || '.' || i || '@bench.example' END,
          ${passwordHash}, first_name, last_name, i || ' Bench Street', country,
          CASE i WHEN 2 THEN 'admin' ELSE 'user' END,
          stamp, stamp
        FROM (
          -- The name lists travel as JSON: postgres.js can only type an array parameter once it has
          -- loaded the catalog's array types, which a first query on a new connection cannot rely on.
          SELECT
            i,
            ${sql.json(FIRST_NAMES)} ->> (i % ${FIRST_NAMES.length}) AS first_name,
            ${sql.json(LAST_NAMES)} ->> ((i / ${FIRST_NAMES.length}) % ${LAST_NAMES.length}) AS last_name,
            ${sql.json(COUNTRIES)} ->> (i % ${COUNTRIES.length}) AS country,
            now() - (${settings.users} - i) * interval '1 minute' AS stamp
          FROM generate_series(1, ${settings.users}) AS i
        ) AS generated
        RETURNING id, email
      )
      SELECT id::integer AS id, email FROM inserted WHERE email IN (${READER_EMAIL}, ${ADMIN_EMAIL}, ${MOVER_EMAIL})`
    // Fresh statistics, or the first queries are planned for an empty table.
    await sql`ANALYZE users`
    const reader = known.find((u) => u.email === READER_EMAIL)
    const admin = known.find((u) => u.email === ADMIN_EMAIL)
    const mover = known.find((u) => u.email === MOVER_EMAIL)
    if (!reader || !admin || !mover) throw new Error('seeding did not create the known users')
    return { readerId: reader.id, adminId: admin.id, moverId: mover.id }
  } finally {
    await sql.end()
  }
}

/**
 * Inserts `settings.documents` documents of about 1 KiB, each with one alias (`doc-<i>`), spread over
 * the users; the reader owns every tenth, and the first of them also answers to DOC_ALIAS.
 */
async function seedDocuments(databaseUrl: string, readerId: number) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  try {
    await sql`
      INSERT INTO documents (owner_id, title, content, content_type)
      SELECT CASE WHEN i % 10 = 1 THEN ${readerId} ELSE 1 + (i * 7919) % ${settings.users} END,
             'Document ' || i, repeat('Lorem ipsum dolor sit amet ' || i || '. ', 30), 'text/markdown'
      FROM generate_series(1, ${settings.documents}) AS i`
    await sql`INSERT INTO document_aliases (alias, document_id) SELECT 'doc-' || id, id FROM documents`
    const [doc] = await sql<[{ id: number }]>`
      SELECT id::integer AS id FROM documents WHERE owner_id = ${readerId} ORDER BY id LIMIT 1`
    await sql`INSERT INTO document_aliases (alias, document_id) VALUES (${DOC_ALIAS}, ${doc.id})`
    await sql`ANALYZE documents`
    await sql`ANALYZE document_aliases`
    return { documentId: doc.id }
  } finally {
    await sql.end()
  }
}

/**
 * Inserts `settings.applications` applications with their status history (workflow_transitions), as
 * the API would have left them. The first ones have varied histories over 2026, spread over the users
 * (every eighth the reader's: 10,000): by id modulo 20, a fifth still saved, some withdrawn, applied,
 * rejected at each stage, interviewing, at an offer, declined, accepted; a third of those that got
 * past saved were created as applied; each step took 1 to 10 days. The last `moverApplications` are
 * the mover's, all saved: the move scenario walks them along the main path.
 */
async function seedApplications(databaseUrl: string, readerId: number, moverId: number) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  const varied = settings.applications - settings.moverApplications
  try {
    // Per id: the furthest stage of the main path reached (0 = saved … 5 = accepted), how it ended off
    // the path (null: open, or accepted), and the stage it was created at.
    const spec = sql`
      SELECT id,
             (ARRAY[0,0,0,0,0,0,1,1,1,1,1,2,2,2,3,3,4,4,5,5])[id % 20 + 1] AS furthest,
             (ARRAY[NULL,NULL,NULL,NULL,'withdrawn','withdrawn',NULL,NULL,'rejected','rejected','rejected',
                    NULL,'rejected','rejected',NULL,'rejected',NULL,'declined',NULL,NULL])[id % 20 + 1] AS ended
      FROM generate_series(1, ${varied}::int) AS id`
    const path = sql.json(APPLICATION_PATH)
    await sql`
      INSERT INTO applications (id, owner_id, company, position, source, status, applied_at,
                                status_changed_at, created_at, updated_at)
      OVERRIDING SYSTEM VALUE
      SELECT id, owner, 'Company ' || (id % 5000), 'Position ' || (id % 300),
             (ARRAY['LinkedIn', 'Referral', 'Job board', NULL])[id % 4 + 1],
             coalesce(ended, ${path} ->> furthest),
             CASE WHEN furthest >= 1 THEN created + (CASE WHEN start = 1 THEN 0 ELSE 1 + id % 10 END) * interval '1 day' END,
             created + ((furthest - start) * (1 + id % 10) + CASE WHEN ended IS NULL THEN 0 ELSE 3 END) * interval '1 day',
             created, created
      FROM (
        SELECT spec.*,
               CASE WHEN id % 8 = 0 THEN ${readerId} ELSE 4 + (id * 7919) % ${settings.users - 3} END AS owner,
               CASE WHEN furthest >= 1 AND id % 3 = 0 THEN 1 ELSE 0 END AS start,
               timestamptz '2026-01-01' + (id % 300) * interval '1 day' + (id % 1440) * interval '1 minute' AS created
        FROM (${spec}) AS spec
      ) AS a`
    // Each step of the path took (1 + id % 10) days; an ending off the path came 3 days after the last stage.
    await sql`
      INSERT INTO workflow_transitions (resource_type, resource_id, owner_id, from_status, to_status, at, from_at)
      SELECT 'applications', a.id, a.owner_id,
             CASE WHEN j = s.start THEN NULL ELSE ${path} ->> (j - 1) END, ${path} ->> j,
             a.created_at + (j - s.start) * (1 + a.id % 10) * interval '1 day',
             CASE WHEN j = s.start THEN NULL ELSE a.created_at + (j - 1 - s.start) * (1 + a.id % 10) * interval '1 day' END
      FROM applications a
      JOIN (SELECT spec.*, CASE WHEN furthest >= 1 AND id % 3 = 0 THEN 1 ELSE 0 END AS start FROM (${spec}) AS spec) s
        ON s.id = a.id
      CROSS JOIN LATERAL generate_series(s.start, s.furthest) AS j`
    await sql`
      INSERT INTO workflow_transitions (resource_type, resource_id, owner_id, from_status, to_status, at, from_at)
      SELECT 'applications', a.id, a.owner_id, ${path} ->> s.furthest, s.ended, a.status_changed_at,
             a.status_changed_at - interval '3 days'
      FROM applications a JOIN (${spec}) AS s ON s.id = a.id
      WHERE s.ended IS NOT NULL`
    const [{ first }] = await sql<[{ first: number }]>`
      WITH inserted AS (
        INSERT INTO applications (id, owner_id, company, position, status, created_at, updated_at, status_changed_at)
        OVERRIDING SYSTEM VALUE
        SELECT id, ${moverId}, 'Mover ' || id, 'Position', 'saved', now(), now(), now()
        FROM generate_series(${varied + 1}::int, ${settings.applications}::int) AS id
        RETURNING id, owner_id, created_at)
      , history AS (
        INSERT INTO workflow_transitions (resource_type, resource_id, owner_id, from_status, to_status, at)
        SELECT 'applications', id, owner_id, NULL, 'saved', created_at FROM inserted)
      SELECT min(id)::integer AS first FROM inserted`
    await sql`SELECT setval(pg_get_serial_sequence('applications', 'id'), ${settings.applications})`
    await sql`ANALYZE applications`
    await sql`ANALYZE workflow_transitions`
    return { firstMoverApplication: first }
  } finally {
    await sql.end()
  }
}

/**
 * Archives `count` users whose purge date has passed (as if deleted 40 days ago with a 30-day
 * retention), the input of the purge scenario.
 */
async function seedExpired(databaseUrl: string, count: number) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  try {
    await sql`
      INSERT INTO users (email, password_hash, first_name, last_name, deleted_at, deleted_by, purge_at,
                         deletion_id, created_at, updated_at)
      SELECT 'expired.' || i || '@bench.example', 'not a hash', 'Expired', 'User' || (i % 1000),
             now() - interval '40 days', 2, now() - interval '10 days', gen_random_uuid(),
             now() - interval '41 days', now() - interval '41 days'
      FROM generate_series(1, ${count}) AS i`
    await sql`ANALYZE users`
  } finally {
    await sql.end()
  }
}

// ---------------------------------------------------------------------------------------------------
// HTTP

async function issueToken(server: Server, email: string): Promise<string> {
  const response = await fetch(`${server.url}/api/v1/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  })
  const body = (await response.json()) as { token?: unknown }
  if (response.status !== 201 || typeof body.token !== 'string') {
    throw new Error(`POST /api/v1/tokens for ${email} answered ${response.status}: ${JSON.stringify(body)}`)
  }
  return body.token
}

interface Scenario {
  name: string
  server: Server
  path: string
  headers: Record<string, string>
  /** A POST body; `[<id>]` in it is replaced by a unique id per request (a new email per sign-up). */
  body?: string
  /** A different request each time (a PATCH of the next item), instead of `path` and `body`. */
  next?: () => { method: 'PATCH'; path: string; body: string }
  /** Fewer (or more) connections than the default, where queueing would hide what is measured. */
  connections?: number
  /** What a right answer looks like: checked once before measuring, so the bench measures what it says. */
  expect: (body: Record<string, unknown>) => boolean
}

async function checkScenario(scenario: Scenario) {
  const request = scenario.next?.() ?? {
    method: scenario.body === undefined ? 'GET' : 'POST',
    path: scenario.path,
    body: scenario.body?.replaceAll('[<id>]', `check-${Date.now()}`),
  }
  const response = await fetch(scenario.server.url + request.path, {
    method: request.method,
    headers: scenario.headers,
    body: request.body,
  })
  const text = await response.text()
  if (response.status !== (request.method === 'POST' ? 201 : 200) || !scenario.expect(JSON.parse(text))) {
    throw new Error(
      `${scenario.name}: ${request.method} ${request.path} answered ${response.status} ${text.slice(0, 300)}`,
    )
  }
}

// ---------------------------------------------------------------------------------------------------
// CPU accounting (Linux /proc; null elsewhere): which process is the bottleneck

/** USER_HZ, the unit of /proc times, is 100 on every architecture Node runs on in practice. */
const CLOCK_TICKS_PER_SECOND = 100

async function cpuSeconds(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // After the command name (in parentheses, may hold spaces) come fields 3…; utime and stime are
    // fields 14 and 15. They cover every thread, libuv's pool (argon2, DNS) included.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND
  } catch {
    return null
  }
}

/** Seconds the whole machine spent busy (every core, every process, the kernel), or null. */
async function machineBusySeconds(): Promise<number | null> {
  try {
    const stat = await readFile('/proc/stat', 'utf8')
    // The first line sums every core: "cpu  user nice system idle iowait irq softirq steal …".
    const ticks = stat.slice(0, stat.indexOf('\n')).split(/\s+/).slice(1).map(Number)
    const busy = [0, 1, 2, 5, 6].reduce((sum, field) => sum + (ticks[field] ?? 0), 0)
    return busy / CLOCK_TICKS_PER_SECOND
  } catch {
    return null
  }
}

interface CpuSample {
  at: number
  self: NodeJS.CpuUsage
  machine: number | null
  server: number | null
  /** PostgreSQL backend pid → CPU seconds, for the connections to the bench database. */
  backends: Map<number, number>
}

async function sampleCpu(maintenance: postgres.Sql, server: Server): Promise<CpuSample> {
  const rows = await maintenance<{ pid: number }[]>`
    SELECT pid FROM pg_stat_activity WHERE datname = ${DATABASE_NAME}`
  const backends = new Map<number, number>()
  for (const { pid } of rows) {
    const seconds = await cpuSeconds(pid)
    if (seconds !== null) backends.set(pid, seconds)
  }
  return {
    at: performance.now(),
    self: process.cpuUsage(),
    machine: await machineBusySeconds(),
    server: await cpuSeconds(server.child.pid),
    backends,
  }
}

interface CpuPercent {
  /** This process: autocannon. */
  loadGenerator: number
  server: number | null
  /** Backends connected to the bench database: the server's pool (and this bench's sampling query). */
  postgres: number | null
  /** Everything: the above, the kernel's network stack, and anything else running on the machine. */
  machine: number | null
}

/** Percent of one core over the interval; above 100 means more than one core. */
function cpuPercent(before: CpuSample, after: CpuSample): CpuPercent {
  const wall = (after.at - before.at) / 1000
  const percent = (seconds: number) => Math.round((seconds / wall) * 100)
  const self = process.cpuUsage(before.self)
  let backends = 0
  for (const [pid, seconds] of after.backends) backends += seconds - (before.backends.get(pid) ?? seconds)
  return {
    loadGenerator: percent((self.user + self.system) / 1e6),
    server: after.server === null || before.server === null ? null : percent(after.server - before.server),
    postgres: after.backends.size ? percent(backends) : null,
    machine:
      after.machine === null || before.machine === null ? null : percent(after.machine - before.machine),
  }
}

// ---------------------------------------------------------------------------------------------------
// Measuring

interface Measurement {
  scenario: string
  path: string
  durationSeconds: number
  requestsPerSecond: number
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number }
  responses: number
  non2xx: number
  errors: number
  timeouts: number
  statusCodes: Record<string, number>
  cpuPercent: CpuPercent
}

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]! : Number.NaN
const round2 = (n: number) => Math.round(n * 100) / 100
let postSequence = 0

async function measure(label: string, scenario: Scenario, maintenance: postgres.Sql): Promise<Measurement> {
  // A new id for every POST body (autocannon's own `idReplacement` miscounts Content-Length and hangs).
  const { body, next } = scenario
  const options: autocannon.Options = {
    url: scenario.server.url + scenario.path,
    headers: scenario.headers,
    connections: scenario.connections ?? settings.connections,
    pipelining: settings.pipelining,
    ...(next !== undefined && {
      requests: [{ headers: scenario.headers, setupRequest: (request) => ({ ...request, ...next() }) }],
    }),
    ...(body !== undefined && {
      requests: [
        {
          method: 'POST' as const,
          path: scenario.path,
          headers: scenario.headers,
          setupRequest: (request) => ({
            ...request,
            body: body.replaceAll('[<id>]', String(++postSequence)),
          }),
        },
      ],
    }),
  }
  step(`${label}: warming up ${settings.warmupSeconds} s, then measuring ${settings.seconds} s`)
  await autocannon({ ...options, duration: settings.warmupSeconds })

  // autocannon's own histogram keeps whole milliseconds, too coarse next to a sub-millisecond bare
  // route: keep every 2xx latency (at most a few hundred thousand numbers) for exact percentiles.
  const latencies: number[] = []
  const before = await sampleCpu(maintenance, scenario.server)
  const run = autocannon({ ...options, duration: settings.seconds })
  run.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) latencies.push(ms)
  })
  const result = await run
  const cpu = cpuPercent(before, await sampleCpu(maintenance, scenario.server))

  latencies.sort((a, b) => a - b)
  const mean = latencies.reduce((sum, ms) => sum + ms, 0) / latencies.length
  return {
    scenario: label,
    path: scenario.path,
    durationSeconds: result.duration,
    requestsPerSecond: Math.round(latencies.length / result.duration),
    latencyMs: {
      mean: round2(mean),
      p50: round2(percentile(latencies, 50)),
      p90: round2(percentile(latencies, 90)),
      p99: round2(percentile(latencies, 99)),
      max: round2(percentile(latencies, 100)),
    },
    responses: result.requests.total ?? 0,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count]),
    ),
    cpuPercent: cpu,
  }
}

// ---------------------------------------------------------------------------------------------------
// Report

interface Pair {
  scenario: string
  bare: Measurement
  measured: Measurement
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function report(pairs: Pair[], machine: Record<string, string>) {
  // NaN: a scenario without a single 2xx response.
  const fixed = (n: number, digits: number) => (Number.isNaN(n) ? '–' : n.toFixed(digits))
  const cpu = (n: number | null) => (n === null ? '–' : String(n))
  const bareRuns = pairs.map((p) => p.bare.requestsPerSecond)
  const scenarios = [...new Set(pairs.map((p) => p.scenario))]
  const rows = scenarios.map((name) => {
    const mine = pairs.filter((p) => p.scenario === name)
    const ratios = mine.map((p) => p.measured.requestsPerSecond / p.bare.requestsPerSecond)
    // CPU shares of the round whose ratio is the median (the most typical round).
    const typical = mine[ratios.indexOf([...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!)]!
    return {
      scenario: name,
      requestsPerSecond: median(mine.map((p) => p.measured.requestsPerSecond)),
      p50Ms: median(mine.map((p) => p.measured.latencyMs.p50)),
      p99Ms: median(mine.map((p) => p.measured.latencyMs.p99)),
      bareRequestsPerSecond: median(mine.map((p) => p.bare.requestsPerSecond)),
      ratio: median(ratios),
      ratioRange: [Math.min(...ratios), Math.max(...ratios)],
      p50VsBare: median(mine.map((p) => p.measured.latencyMs.p50 / p.bare.latencyMs.p50)),
      cpuPercent: typical.measured.cpuPercent,
    }
  })
  const lines = [
    '| scenario | req/s | p50 ms | p99 ms | bare req/s | req/s ÷ bare (min–max) | p50 ÷ bare | CPU %: server / postgres / autocannon / machine |',
    '|---|--:|--:|--:|--:|--:|--:|--:|',
    ...rows.map((r) => {
      const c = r.cpuPercent
      return `| ${[
        r.scenario,
        Math.round(r.requestsPerSecond).toLocaleString('en-US'),
        fixed(r.p50Ms, 2),
        fixed(r.p99Ms, 2),
        Math.round(r.bareRequestsPerSecond).toLocaleString('en-US'),
        `**${fixed(r.ratio, 2)}** (${fixed(r.ratioRange[0]!, 2)}–${fixed(r.ratioRange[1]!, 2)})`,
        `${fixed(r.p50VsBare, 1)}×`,
        [c.server, c.postgres, c.loadGenerator, c.machine].map(cpu).join(' / '),
      ].join(' | ')} |`
    }),
  ]
  const spread = (Math.max(...bareRuns) - Math.min(...bareRuns)) / median(bareRuns)
  return {
    rows,
    spread,
    text: [
      `## Custodian benchmark, ${new Date().toISOString()}`,
      '',
      Object.entries(machine)
        .map(([k, v]) => `- ${k}: ${v}`)
        .join('\n'),
      `- settings: ${settings.rounds} rounds; in each, every scenario right after a bare run, each ` +
        `${settings.seconds} s after ${settings.warmupSeconds} s of warm-up; ${settings.connections} connections, ` +
        `pipelining ${settings.pipelining}; ${settings.users.toLocaleString('en-US')} users; all on 127.0.0.1; ` +
        `Custodian with LOG_LEVEL=warn, in-process rate-limit counters, RATE_LIMIT_MAX=${settings.rateLimitMax} (counted, never reached)`,
      `- figures are medians over the rounds; a ratio is to the bare run just before it. The bare route ` +
        `ranged ${Math.round(Math.min(...bareRuns)).toLocaleString('en-US')}–${Math.round(Math.max(...bareRuns)).toLocaleString('en-US')} req/s ` +
        `in this run (${(spread * 100).toFixed(0)}% of its median)`,
      `- CPU %: 100 is one core (the machine has ${os.availableParallelism() * 100}), in the round of the median ` +
        'ratio; "machine" includes the kernel (loopback networking) and any other process',
      '',
      ...lines,
      '',
    ].join('\n'),
  }
}

/**
 * Per round, the alias read's cost relative to the id read's: req/s of the id read ÷ req/s of the
 * alias read, raw and with each first divided by the bare run just before it (drift corrected).
 */
function aliasCostRatio(pairs: Pair[]) {
  const byId = pairs.filter((p) => p.scenario === DOC_BY_ID)
  const byAlias = pairs.filter((p) => p.scenario === DOC_BY_ALIAS)
  if (byId.length === 0 || byAlias.length !== byId.length) return null
  const rate = (p: Pair) => p.measured.requestsPerSecond
  const raw = byId.map((p, i) => rate(p) / rate(byAlias[i]!))
  const normalised = byId.map(
    (p, i) => rate(p) / p.bare.requestsPerSecond / (rate(byAlias[i]!) / byAlias[i]!.bare.requestsPerSecond),
  )
  const summary = (ratios: number[]) => ({
    median: median(ratios),
    min: Math.min(...ratios),
    max: Math.max(...ratios),
  })
  return { rounds: byId.length, raw: summary(raw), normalised: summary(normalised) }
}

/**
 * Seeds the expired rows, measures GET /users/{id} for a few seconds, then runs `custodian purge` as a
 * separate process (as an operator, or a second instance, would) while the same load goes on, and
 * compares the latencies.
 */
async function purgeUnderLoad(
  databaseUrl: string,
  maintenance: postgres.Sql,
  scenario: Scenario,
  cwd: string,
) {
  step(`archiving ${purgeRows.toLocaleString('en-US')} expired users for the purge scenario`)
  await seedExpired(databaseUrl, purgeRows)
  const before = await measure('GET /users/{id} before the purge', scenario, maintenance)

  step('purging under load')
  const latencies: number[] = []
  let non2xx = 0
  const started = performance.now()
  const load = autocannon({
    url: scenario.server.url + scenario.path,
    headers: scenario.headers,
    connections: settings.connections,
    duration: 300,
  })
  load.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) latencies.push(ms)
    else non2xx++
  })
  const child = spawn(process.execPath, [cli, 'purge'], {
    cwd,
    env: custodianEnv(databaseUrl),
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  onCleanup(() => stop(child))
  let output = ''
  child.stdout.on('data', (chunk) => {
    output += chunk
  })
  const [exitCode] = (await once(child, 'exit')) as [number | null]
  const seconds = (performance.now() - started) / 1000
  load.stop()
  await load
  latencies.sort((a, b) => a - b)
  const check = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  const [{ left }] = await check<[{ left: number }]>`
    SELECT count(*)::int AS left FROM users WHERE deleted_at IS NOT NULL AND purge_at <= now()`
  await check.end()
  return {
    rows: purgeRows,
    seconds,
    exitCode,
    output: output.trim(),
    left,
    before,
    during: {
      requestsPerSecond: latencies.length / seconds,
      p50: round2(percentile(latencies, 50)),
      p99: round2(percentile(latencies, 99)),
      non2xx,
    },
  }
}

/**
 * Lists at scale: the admin's first page of users, plain and with a search, measured (each right after
 * a bare run) at the seeded 10,000 users, then again once live users number a million.
 */
async function listsAtScale(
  databaseUrl: string,
  maintenance: postgres.Sql,
  bare: Scenario,
  scenarios: Scenario[],
) {
  const run = async (label: string) => {
    const pairs: Pair[] = []
    for (let round = 1; round <= settings.rounds; round++)
      for (const scenario of scenarios) {
        const bareRun = await measure(`${label}, round ${round}: ${bare.name}`, bare, maintenance)
        const measured = await measure(`${label}, round ${round}: ${scenario.name}`, scenario, maintenance)
        pairs.push({ scenario: scenario.name, bare: bareRun, measured })
      }
    return scenarios.map((scenario) => {
      const mine = pairs.filter((p) => p.scenario === scenario.name)
      return {
        scenario: scenario.name,
        requestsPerSecond: median(mine.map((p) => p.measured.requestsPerSecond)),
        p50Ms: median(mine.map((p) => p.measured.latencyMs.p50)),
        p99Ms: median(mine.map((p) => p.measured.latencyMs.p99)),
        ratioToBare: round2(median(mine.map((p) => p.measured.requestsPerSecond / p.bare.requestsPerSecond))),
      }
    })
  }
  const small = await run(`lists at ${settings.users.toLocaleString('en-US')} users`)
  step(`seeding live users up to ${LIST_SCALE_USERS.toLocaleString('en-US')}`)
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  try {
    await sql`
      INSERT INTO users (email, password_hash, first_name, last_name, created_at, updated_at)
      SELECT 'many.' || i || '@bench.example', 'not a hash', 'Many', 'User' || (i % 5000), now(), now()
      FROM generate_series(1, ${LIST_SCALE_USERS - settings.users}) AS i`
    await sql`ANALYZE users`
  } finally {
    await sql.end()
  }
  for (const scenario of scenarios) await checkScenario(scenario)
  const large = await run(`lists at ${LIST_SCALE_USERS.toLocaleString('en-US')} users`)
  return small.map((row, i) => {
    const big = large[i] as (typeof large)[number]
    // Cost is the inverse of throughput: the cost at a million over the cost at 10,000.
    return {
      scenario: row.scenario,
      small: row,
      large: big,
      costRatio: round2(row.requestsPerSecond / big.requestsPerSecond),
    }
  })
}

// ---------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  await access(cli).catch(() => {
    throw new Error('dist/cli.js is missing: run `npm run build` (or `npm run bench`, which builds)')
  })
  step(`creating ${DATABASE_NAME}`)
  const maintenance = postgres(MAINTENANCE_URL, { max: 1, onnotice: () => {} })
  onCleanup(() => maintenance.end({ timeout: 5 }))
  const databaseUrl = await createDatabase(maintenance)

  const emptyDir = await mkdtemp(path.join(os.tmpdir(), 'custodian-bench-'))
  onCleanup(() => rm(emptyDir, { recursive: true, force: true }))

  step('migrating')
  await promisify(execFile)(process.execPath, [cli, 'migrate'], {
    cwd: emptyDir,
    env: custodianEnv(databaseUrl),
  })
  step(`seeding ${settings.users.toLocaleString('en-US')} users`)
  const { readerId, moverId } = await seed(databaseUrl)
  step(`seeding ${settings.documents.toLocaleString('en-US')} documents with aliases`)
  const { documentId } = await seedDocuments(databaseUrl, readerId)
  step(`seeding ${settings.applications.toLocaleString('en-US')} applications with their histories`)
  const { firstMoverApplication } = await seedApplications(databaseUrl, readerId, moverId)

  step('starting the servers')
  const custodian = (tokenCacheSeconds: number, extra: Record<string, string> = {}) => ({
    cwd: emptyDir,
    env: (port: number) =>
      custodianEnv(databaseUrl, {
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        TOKEN_CACHE_SECONDS: String(tokenCacheSeconds),
        ...extra,
      }),
  })
  const [bareServer, cached, uncached] = await Promise.all([
    startServer('bare Fastify', ['--import', 'tsx', path.join(root, 'bench', 'bare-server.ts')], {
      cwd: root,
      env: (port) => ({ ...process.env, PORT: String(port) }),
    }),
    startServer('Custodian', [cli, 'serve'], custodian(settings.tokenCacheSeconds)),
    startServer('Custodian without token cache', [cli, 'serve'], custodian(0)),
  ])
  await Promise.all([
    waitUntilReady(bareServer, '/bare'),
    waitUntilReady(cached, '/ready'),
    waitUntilReady(uncached, '/ready'),
  ])

  step('issuing tokens')
  // Tokens live in the database: both Custodian servers accept them.
  const readerAuth = { authorization: `Bearer ${await issueToken(cached, READER_EMAIL)}` }
  const adminAuth = { authorization: `Bearer ${await issueToken(cached, ADMIN_EMAIL)}` }
  const moverAuth = { authorization: `Bearer ${await issueToken(cached, MOVER_EMAIL)}` }

  const readSelf = (server: Server) => ({
    server,
    path: `/api/v1/users/${readerId}`,
    headers: readerAuth,
    expect: (body: Record<string, unknown>) => body.id === readerId && body.email === READER_EMAIL,
  })
  const signUp = (server: Server, headers: Record<string, string>) => ({
    server,
    path: '/api/v1/users',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      email: 'bench-[<id>]@bench.example',
      password: PASSWORD,
      first_name: 'Bench',
      last_name: 'Signup',
    }),
    // Two at a time: argon2 runs on a 4-thread pool over 2 cores, and a queue would bury the gate.
    connections: 2,
    expect: (body: Record<string, unknown>) => typeof body.id === 'number',
  })
  const bare: Scenario = {
    name: 'bare Fastify: GET /bare',
    server: bareServer,
    path: '/bare',
    headers: {},
    expect: (body) => typeof body.id === 'number',
  }
  const readDocument = (ref: number | string) => ({
    server: cached,
    path: `/api/v1/documents/${ref}`,
    headers: readerAuth,
    expect: (body: Record<string, unknown>) =>
      body.id === documentId && Array.isArray(body.aliases) && body.aliases.includes(DOC_ALIAS),
  })
  const allScenarios: Scenario[] = [
    { name: 'GET /users/{id}, user reads self', ...readSelf(cached) },
    // Next to each other in every round, so the ratio of the two compares runs minutes apart at most.
    { name: DOC_BY_ID, ...readDocument(documentId) },
    { name: DOC_BY_ALIAS, ...readDocument(DOC_ALIAS) },
    {
      name: 'GET /users?page=1, admin',
      server: cached,
      path: '/api/v1/users?page=1',
      headers: adminAuth,
      expect: (body) =>
        body.count === settings.users && Array.isArray(body.results) && body.results.length === 10,
    },
    { name: 'GET /users/{id}, user reads self, TOKEN_CACHE_SECONDS=0', ...readSelf(uncached) },
    { name: GATE_OFF, ...signUp(cached, {}) },
    // The trusted local proxy says the client is at a Swisscom address: one offline lookup per sign-up.
    { name: GATE_ON, ...signUp(cached, { 'x-forwarded-for': '195.186.1.1' }) },
  ]
  // Request k moves the mover's application (k mod n) one stage along the main path: the first n
  // requests saved → applied, the next n applied → screening, and so on. In-flight requests are far
  // fewer than n, so each move finds its application where the previous sweep left it.
  let moves = 0
  const nextMove = () => {
    const n = settings.moverApplications
    const stage = 1 + Math.floor(moves / n)
    const status = APPLICATION_PATH[stage]
    if (status === undefined) throw new Error(`the move scenario ran out of moves after ${moves}`)
    const id = firstMoverApplication + (moves++ % n)
    return { method: 'PATCH' as const, path: `/api/v1/applications/${id}`, body: JSON.stringify({ status }) }
  }
  let edits = 0
  const nextEdit = () => ({
    method: 'PATCH' as const,
    path: `/api/v1/applications/${firstMoverApplication + (edits % settings.moverApplications)}`,
    body: JSON.stringify({ notes: `edit ${++edits}` }),
  })
  const stats = (headers: Record<string, string>, total: number) => ({
    server: cached,
    path: '/api/v1/applications/stats',
    headers,
    // An aggregate over every application counted: two at a time keep the queue from burying its cost.
    connections: 2,
    expect: (body: Record<string, unknown>) => body.total === total && Array.isArray(body.funnel),
  })
  allScenarios.push(
    { name: STATS_ADMIN, ...stats(adminAuth, settings.applications) },
    { name: STATS_USER, ...stats(readerAuth, (settings.applications - settings.moverApplications) / 8) },
    {
      name: MOVE,
      server: cached,
      path: '/api/v1/applications',
      headers: { ...moverAuth, 'content-type': 'application/json' },
      next: nextMove,
      connections: settings.moveConnections,
      expect: (body) => typeof body.status === 'string' && body.status !== 'saved',
    },
    // The same write without a move, for comparison: what a move adds is its guard and its transition.
    {
      name: EDIT,
      server: cached,
      path: '/api/v1/applications',
      headers: { ...moverAuth, 'content-type': 'application/json' },
      next: nextEdit,
      connections: settings.moveConnections,
      expect: (body) => typeof body.notes === 'string',
    },
  )
  const scenarios = allScenarios.filter((s) => s.name.includes(ONLY))
  if (scenarios.length === 0) throw new Error(`BENCH_ONLY=${ONLY} matches no scenario`)
  for (const scenario of [bare, ...scenarios]) await checkScenario(scenario)

  const pairs: Pair[] = []
  for (let round = 1; round <= settings.rounds; round++) {
    for (const scenario of scenarios) {
      const bareRun = await measure(`round ${round}: ${bare.name}`, bare, maintenance)
      const measured = await measure(`round ${round}: ${scenario.name}`, scenario, maintenance)
      pairs.push({ scenario: scenario.name, bare: bareRun, measured })
    }
  }
  const measurements = pairs.flatMap((p) => [p.bare, p.measured])

  const [{ server_version }] = await maintenance<[{ server_version: string }]>`SHOW server_version`
  const machine = {
    cpus: `${os.availableParallelism()} (nproc), ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    system: `${os.type()} ${os.release()}`,
    software: `Node ${process.version}, PostgreSQL ${server_version}`,
  }
  const { text, rows, spread } = report(pairs, machine)
  console.log(text)
  const row = (name: string) => rows.find((r) => r.scenario === name)
  const [gateOn, gateOff] = [row(GATE_ON), row(GATE_OFF)]
  if (gateOn && gateOff) {
    console.log(
      `Offline geolocation gate on POST /users: p50 ${gateOn.p50Ms.toFixed(2)} ms with the lookup, ` +
        `${gateOff.p50Ms.toFixed(2)} ms without: ${(gateOn.p50Ms - gateOff.p50Ms).toFixed(2)} ms.\n`,
    )
  }
  // The cost of a request is the inverse of its throughput: per round, id req/s ÷ alias req/s.
  const aliasCost = aliasCostRatio(pairs)
  if (aliasCost) {
    const { raw, normalised } = aliasCost
    const show = (r: typeof raw) => `${r.median.toFixed(3)}× (${r.min.toFixed(3)}–${r.max.toFixed(3)})`
    console.log(
      `GET /documents/{alias} costs ${show(raw)} what GET /documents/{id} costs, ` +
        `${show(normalised)} with each run first divided by its bare run; ` +
        `medians of ${aliasCost.rounds} rounds (budget: 1.10).\n`,
    )
  }

  let purge: Awaited<ReturnType<typeof purgeUnderLoad>> | null = null
  if (purgeRows > 0) {
    purge = await purgeUnderLoad(
      databaseUrl,
      maintenance,
      { name: 'GET /users/{id}, user reads self', ...readSelf(cached) },
      emptyDir,
    )
    console.log(
      `Purge of ${purgeRows.toLocaleString('en-US')} expired archived users by \`custodian purge\` (batches of ` +
        `1,000) while GET /users/{id} was under load: ${purge.seconds.toFixed(1)} s; GET p99 ` +
        `${purge.during.p99.toFixed(2)} ms during the purge against ${purge.before.latencyMs.p99.toFixed(2)} ms just before ` +
        `(${(purge.during.p99 / purge.before.latencyMs.p99).toFixed(2)}×), p50 ${purge.during.p50.toFixed(2)} against ` +
        `${purge.before.latencyMs.p50.toFixed(2)} ms, ${Math.round(purge.during.requestsPerSecond).toLocaleString('en-US')} req/s ` +
        `during; ${purge.left} expired rows left.\n`,
    )
  }

  let relay: Awaited<ReturnType<typeof relayBench>> | null = null
  if (process.env.BENCH_RELAY !== '0') {
    step('relay: throughput over a backlog, then commit-to-publish latency at 1,000 changes/s')
    relay = await relayBench({
      databaseUrl,
      amqpUrl: process.env.BENCH_AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672',
      events: positiveInt('BENCH_RELAY_EVENTS', 100_000),
      seconds: positiveInt('BENCH_RELAY_SECONDS', 10),
    })
    console.log(
      `Relay to RabbitMQ (publisher confirms, batches of 500): ${relay.throughput.eventsPerSecond.toLocaleString('en-US')} ` +
        `events/s (${relay.throughput.events.toLocaleString('en-US')} in ${relay.throughput.seconds} s). At a steady ` +
        `${relay.latency.rate.toLocaleString('en-US')} changes/s: commit-to-publish p50 ${relay.latency.p50Ms} ms, ` +
        `p99 ${relay.latency.p99Ms} ms, max ${relay.latency.maxMs} ms (${relay.latency.published} of ${relay.latency.changes} published).\n`,
    )
  }

  let scale: Awaited<ReturnType<typeof scaleBench>> | null = null
  if (process.env.BENCH_SCALE !== '0') {
    scale = await scaleBench({
      async startInstance(name, env) {
        const server = await startServer(name, [cli, 'serve'], custodian(settings.tokenCacheSeconds, env))
        await waitUntilReady(server, '/ready')
        return { url: server.url, port: Number(new URL(server.url).port) }
      },
      readPath: `/api/v1/users/${readerId}`,
      readHeaders: readerAuth,
      rounds: settings.rounds,
      seconds: settings.seconds,
      warmupSeconds: settings.warmupSeconds,
      step,
      onCleanup,
    })
    const { one, three, flood } = scale
    console.log(
      `Scale-out, GET /users/{id} through HAProxy (32 connections, medians of ${settings.rounds} rounds): ` +
        `1 instance ${one.requestsPerSecond.toLocaleString('en-US')} req/s (p99 ${one.p99Ms} ms), ` +
        `3 instances ${three.requestsPerSecond.toLocaleString('en-US')} req/s (p99 ${three.p99Ms} ms): ` +
        `${scale.ratio}× on ${os.availableParallelism()} cores.\n` +
        `Sign-up flood: ${flood.signUps.requestsPerSecond} sign-ups/s (p50 ${flood.signUps.p50Ms} ms), while ` +
        `GET /users/{id} at ${flood.reads.requestsPerSecond}/s had p50 ${flood.reads.p50Ms} ms, p99 ${flood.reads.p99Ms} ms.\n`,
    )
  }

  let lists: Awaited<ReturnType<typeof listsAtScale>> | null = null
  if (process.env.BENCH_LIST_SCALE !== '0') {
    const firstPage = (query: string, what: string) => ({
      name: `GET /users?page=1${query}, admin${what}`,
      server: cached,
      path: `/api/v1/users?page=1${query}`,
      headers: adminAuth,
      expect: (body: Record<string, unknown>) =>
        typeof body.count === 'number' && Array.isArray(body.results) && body.results.length > 0,
    })
    lists = await listsAtScale(databaseUrl, maintenance, bare, [
      firstPage('', ''),
      firstPage('&search=reader', ', searching'),
    ])
    for (const row of lists)
      console.log(
        `${row.scenario}: ${row.small.requestsPerSecond.toLocaleString('en-US')} req/s (p50 ${row.small.p50Ms} ms, ` +
          `${row.small.ratioToBare}× bare) at ${settings.users.toLocaleString('en-US')} users, ` +
          `${row.large.requestsPerSecond.toLocaleString('en-US')} req/s (p50 ${row.large.p50Ms} ms, ${row.large.ratioToBare}× bare) ` +
          `at ${LIST_SCALE_USERS.toLocaleString('en-US')}: ${row.costRatio}× the cost (budget 1.5).`,
      )
    console.log('')
  }

  const failures = measurements.filter((m) => m.non2xx || m.errors || m.timeouts)
  if (scale?.failures) {
    console.error(`\n!!! FAILED: the scale-out or sign-up flood runs had non-2xx answers or errors`)
    failures.push(measurements[0] as (typeof measurements)[number])
  }
  if (relay && relay.latency.published !== relay.latency.changes) {
    console.error(
      `\n!!! FAILED: the relay published ${relay.latency.published} of ${relay.latency.changes} changes`,
    )
    failures.push(measurements[0] as (typeof measurements)[number])
  }
  if (purge && (purge.during.non2xx || purge.left || purge.exitCode !== 0)) {
    console.error(`\n!!! FAILED: the purge scenario: ${JSON.stringify(purge)}`)
    failures.push(purge.before)
  }
  if (spread > 0.2) {
    console.log(`Note: the bare route varied by ${(spread * 100).toFixed(0)}%: the machine was not steady.\n`)
  }
  for (const m of failures) {
    console.error(
      `\n!!! FAILED: ${m.scenario}: ${m.non2xx} non-2xx responses ${JSON.stringify(m.statusCodes)}, ` +
        `${m.errors} connection errors, ${m.timeouts} timeouts. Its numbers are not valid.`,
    )
  }

  const resultsDir = path.join(root, 'bench', 'results')
  await mkdir(resultsDir, { recursive: true })
  const file = path.join(resultsDir, 'latest.json')
  const json = {
    date: new Date().toISOString(),
    ok: !failures.length,
    machine,
    settings,
    summary: rows,
    aliasCost,
    purge,
    relay,
    scale,
    lists,
    measurements,
  }
  await writeFile(file, `${JSON.stringify(json, null, 2)}\n`)
  step(`wrote ${file}`)
  return failures.length ? 1 : 0
}

// The whole run is bounded: a hung server or database must not keep it (or CI) waiting.
// Rounds, plus seeding and purging the expired rows (a few minutes for a million on 2 cores).
const SCENARIOS = 11
// The scale-out runs: rounds of two proxies (warm-up and measure each), then a flood of twice the time.
const SCALE_SECONDS =
  60 + settings.rounds * 2 * (settings.warmupSeconds + settings.seconds) + 2 * settings.seconds
// Lists at scale: two scenarios, twice (before and after seeding a million users), each after a bare run.
const LIST_SECONDS = 120 + 2 * settings.rounds * 2 * 2 * (settings.warmupSeconds + settings.seconds + 5)
const budgetSeconds =
  180 +
  LIST_SECONDS +
  settings.rounds * SCENARIOS * 2 * (settings.warmupSeconds + settings.seconds + 5) +
  purgeRows / 2_000 +
  SCALE_SECONDS
setTimeout(() => {
  console.error(`bench: still running after ${budgetSeconds} s: giving up`)
  void exit(1)
}, budgetSeconds * 1000).unref()
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`bench: ${signal}: cleaning up`)
    void exit(128 + os.constants.signals[signal])
  })
}

let code = 1
try {
  code = await main()
} catch (error) {
  console.error('bench failed:', error)
}
step('cleaning up')
await exit(code)
