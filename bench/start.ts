/**
 * `npm run bench:start`: the "first five minutes" of issue 13, measured on this checkout.
 *
 * 1. `npm start` (its build check included) on an empty data directory: milliseconds from the spawn
 *    until `/ready` answers 200. Each round gets a new directory.
 * 2. `npm start` again on a directory a previous start left behind (a later start).
 * 3. The server's resident set (VmRSS of the serving Node process, titled `custodian serve`, not npm's) after it has
 *    been ready and idle for BENCH_IDLE_SECONDS, on the embedded database and on PostgreSQL (a fresh
 *    database on BENCH_DATABASE_URL, migrated by the server itself with MIGRATE_ON_START, dropped after).
 *
 * Every figure is the median of BENCH_ROUNDS rounds (5), min–max beside it: on a shared 2-core machine
 * single runs drift. Run `npm run build` first once (a fresh clone's `npm ci` does) so the rounds
 * measure starts, not builds. Settings: BENCH_ROUNDS, BENCH_IDLE_SECONDS (5), BENCH_DATABASE_URL
 * (postgres://postgres@127.0.0.1:5432/postgres; BENCH_DATABASE_URL=none skips PostgreSQL),
 * BENCH_DATABASE_NAME (custodian_bench_start).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import { freePort } from '../test/helpers/net.js'

const root = fileURLToPath(new URL('..', import.meta.url))

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer (got ${raw})`)
  return value
}

const ROUNDS = positiveInt('BENCH_ROUNDS', 5)
const IDLE_SECONDS = positiveInt('BENCH_IDLE_SECONDS', 5)
const MAINTENANCE_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres'
const DATABASE_NAME = process.env.BENCH_DATABASE_NAME || 'custodian_bench_start'
if (!/^[a-z_][a-z0-9_]*$/.test(DATABASE_NAME))
  throw new Error('BENCH_DATABASE_NAME must be a plain identifier')
const startedAt = performance.now()

function step(message: string) {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1).padStart(5)
  console.error(`[bench:start ${seconds} s] ${message}`)
}

const children = new Set<ChildProcess>()
const scratch: string[] = []

/** SIGTERM to the whole process group (npm, its shell, node), SIGKILL after 10 s. */
async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
  const exited = once(child, 'exit')
  process.kill(-child.pid, 'SIGTERM')
  if ((await Promise.race([exited, sleep(10_000, 'timeout', { ref: false })])) === 'timeout') {
    process.kill(-child.pid, 'SIGKILL')
    await exited
  }
  children.delete(child)
}

/** The process under `pid` (itself included) that serves: titled `custodian serve`, or running dist/cli.js. */
async function serverPid(pid: number): Promise<number | null> {
  const queue = [pid]
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const cmdline = await readFile(`/proc/${next}/cmdline`, 'utf8').catch(() => '')
    // The CLI names its process (process.title) after its command: `custodian serve`.
    if (cmdline.startsWith('custodian serve') || cmdline.includes('dist/cli.js\0')) return next
    const tasks = await readdir(`/proc/${next}/task`).catch(() => [] as string[])
    for (const task of tasks) {
      const list = await readFile(`/proc/${next}/task/${task}/children`, 'utf8').catch(() => '')
      queue.push(...list.split(' ').filter(Boolean).map(Number))
    }
  }
  return null
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1])
  return kb / 1024
}

interface Started {
  child: ChildProcess
  ms: number
  output: () => string
}

/** `npm start` with only the variables given (and PATH), timed until /ready answers 200. */
async function start(env: Record<string, string>): Promise<Started> {
  const port = await freePort()
  const t0 = performance.now()
  const child = spawn('npm', ['start'], {
    cwd: root,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  children.add(child)
  let output = ''
  child.stdout?.on('data', (d) => {
    output += d
  })
  child.stderr?.on('data', (d) => {
    output += d
  })
  const deadline = t0 + 120_000
  while (performance.now() < deadline && child.exitCode === null) {
    const res = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => null)
    if (res?.status === 200) return { child, ms: performance.now() - t0, output: () => output }
    await sleep(25)
  }
  await stop(child)
  throw new Error(`the server did not become ready:\n${output}`)
}

/** Resident set of the server after it has idled. */
async function idleRss(started: Started): Promise<number> {
  await sleep(IDLE_SECONDS * 1000)
  const pid = started.child.pid === undefined ? null : await serverPid(started.child.pid)
  if (pid === null) throw new Error('no dist/cli.js process under npm start')
  return rssMb(pid)
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

interface Row {
  name: string
  unit: 'ms' | 'MB'
  values: number[]
}

async function main() {
  const rows: Row[] = [
    { name: '`npm start`, empty data directory, to /ready 200', unit: 'ms', values: [] },
    { name: '`npm start`, existing data directory, to /ready 200', unit: 'ms', values: [] },
    { name: `idle RSS, embedded (after ${IDLE_SECONDS} s)`, unit: 'MB', values: [] },
  ]
  const [first, later, embeddedRss] = rows as [Row, Row, Row]
  for (let round = 1; round <= ROUNDS; round++) {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'custodian-bench-start-'))
    scratch.push(dataDir)
    const a = await start({ DATA_DIR: dataDir })
    first.values.push(a.ms)
    await stop(a.child)
    const b = await start({ DATA_DIR: dataDir })
    later.values.push(b.ms)
    embeddedRss.values.push(await idleRss(b))
    await stop(b.child)
    await rm(dataDir, { recursive: true, force: true })
    step(
      `round ${round}: first ${a.ms.toFixed(0)} ms, later ${b.ms.toFixed(0)} ms, RSS ${embeddedRss.values.at(-1)?.toFixed(0)} MB`,
    )
  }
  if (MAINTENANCE_URL !== 'none') {
    const pgStart: Row = { name: '`npm start`, PostgreSQL (migrated), to /ready 200', unit: 'ms', values: [] }
    const pgRss: Row = { name: `idle RSS, PostgreSQL (after ${IDLE_SECONDS} s)`, unit: 'MB', values: [] }
    rows.push(pgStart, pgRss)
    const maintenance = postgres(MAINTENANCE_URL, { max: 1, onnotice: () => {} })
    try {
      await maintenance.unsafe(`DROP DATABASE IF EXISTS ${DATABASE_NAME} WITH (FORCE)`)
      await maintenance.unsafe(`CREATE DATABASE ${DATABASE_NAME}`)
      const url = new URL(MAINTENANCE_URL)
      url.pathname = `/${DATABASE_NAME}`
      const env = { DATABASE_URL: url.toString(), MIGRATE_ON_START: 'true' }
      for (let round = 1; round <= ROUNDS; round++) {
        const started = await start(env)
        pgStart.values.push(started.ms)
        pgRss.values.push(await idleRss(started))
        await stop(started.child)
        step(
          `PostgreSQL round ${round}: ${started.ms.toFixed(0)} ms, RSS ${pgRss.values.at(-1)?.toFixed(0)} MB`,
        )
      }
    } finally {
      await maintenance.unsafe(`DROP DATABASE IF EXISTS ${DATABASE_NAME} WITH (FORCE)`).catch(() => {})
      await maintenance.end()
    }
  }
  const fmt = (row: Row, x: number) => (row.unit === 'ms' ? x.toFixed(0) : x.toFixed(0))
  console.log(
    `\n${ROUNDS} rounds, ${os.cpus().length} CPUs, load average ${os.loadavg()[0]?.toFixed(2)} at the end\n`,
  )
  console.log('| measurement | median | min–max |')
  console.log('|---|--:|--:|')
  for (const row of rows) {
    const lo = Math.min(...row.values)
    const hi = Math.max(...row.values)
    console.log(
      `| ${row.name} | **${fmt(row, median(row.values))} ${row.unit}** | ${fmt(row, lo)}–${fmt(row, hi)} |`,
    )
  }
}

async function cleanUp() {
  for (const child of children) await stop(child).catch(() => {})
  for (const dir of scratch) await rm(dir, { recursive: true, force: true }).catch(() => {})
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void cleanUp().then(() => process.exit(130))
  })
}

main().then(
  async () => {
    await cleanUp()
    process.exit(0)
  },
  async (error) => {
    console.error(error)
    await cleanUp()
    process.exit(1)
  },
)
