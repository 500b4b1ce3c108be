/**
 * Scale-out and sign-up flood, part of `npm run bench` (BENCH_SCALE=0 skips both).
 *
 * 1. Three instances behind HAProxy next to one: the built server, three times on the bench database,
 *    sharing rate limits through Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/8), and Debian's
 *    HAProxy (test/helpers/haproxy.ts) on a loopback port in front of one of them, then of all three.
 *    GET /users/{id} (a user reading themself, the token cache on) through each proxy, in alternating
 *    rounds of BENCH_SECONDS after a warm-up, 32 connections; the report gives medians and the ratio.
 *    On a machine with fewer cores than instances the ratio says how much the proxy and the extra
 *    processes cost, not how far the service scales.
 * 2. Sign-up flood: POST /users as fast as 8 connections go (the gate not consulted, as from
 *    loopback) on one instance, while another client reads GET /users/{id} at a steady 100 a second;
 *    the reads' latency is what a user sees during a flood of sign-ups.
 */
import autocannon from 'autocannon'
import { startHaproxy } from '../test/helpers/haproxy.js'

export interface ScaleServer {
  url: string
}

interface Run {
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  non2xx: number
  errors: number
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? (sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0) : Number.NaN
const round2 = (n: number) => Math.round(n * 100) / 100
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0

/** One autocannon run; its 2xx latencies kept whole, for exact percentiles. */
async function load(options: autocannon.Options): Promise<Run> {
  const latencies: number[] = []
  const run = autocannon(options)
  run.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) latencies.push(ms)
  })
  const result = await run
  latencies.sort((a, b) => a - b)
  return {
    requestsPerSecond: Math.round(latencies.length / result.duration),
    p50Ms: round2(percentile(latencies, 50)),
    p99Ms: round2(percentile(latencies, 99)),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  }
}

export async function scaleBench(options: {
  /** Starts one more Custodian (ready to serve) with these variables on top of the bench's. */
  startInstance(name: string, env: Record<string, string>): Promise<ScaleServer & { port: number }>
  readPath: string
  readHeaders: Record<string, string>
  rounds: number
  seconds: number
  warmupSeconds: number
  step(message: string): void
  onCleanup(task: () => Promise<unknown>): void
}) {
  const redisUrl = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379/8'
  options.step('scale-out: starting 3 instances sharing Redis, and HAProxy in front of 1 and of 3')
  const instances = []
  for (let i = 1; i <= 3; i++)
    instances.push(await options.startInstance(`Custodian ${i} of 3`, { REDIS_URL: redisUrl }))
  const [first] = instances
  if (!first) throw new Error('no instance')
  const one = await startHaproxy([first.port])
  options.onCleanup(() => one.close())
  const three = await startHaproxy(instances.map((i) => i.port))
  options.onCleanup(() => three.close())

  const read = (base: string, duration: number) =>
    load({ url: base + options.readPath, headers: options.readHeaders, connections: 32, duration })
  const runs: { one: Run; three: Run }[] = []
  for (let round = 1; round <= options.rounds; round++) {
    options.step(`scale-out round ${round}: GET through HAProxy to 1 instance, then to 3`)
    await read(one.base, options.warmupSeconds)
    const viaOne = await read(one.base, options.seconds)
    await read(three.base, options.warmupSeconds)
    runs.push({ one: viaOne, three: await read(three.base, options.seconds) })
  }
  await one.close()
  await three.close()

  options.step('sign-up flood: POST /users on one instance while GET /users/{id} runs at 100/s')
  let serial = 0
  const signUps = load({
    url: `${first.url}/api/v1/users`,
    connections: 8,
    duration: options.seconds * 2,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({
            email: `flood-${process.pid}-${++serial}@bench.example`,
            password: 'bench-password',
            first_name: 'Flood',
            last_name: 'Signup',
          }),
        }),
      },
    ],
  })
  const reads = load({
    url: first.url + options.readPath,
    headers: options.readHeaders,
    connections: 2,
    overallRate: 100,
    duration: options.seconds * 2,
  })
  const flood = { signUps: await signUps, reads: await reads }

  const summary = (pick: (r: { one: Run; three: Run }) => Run) => ({
    requestsPerSecond: median(runs.map((r) => pick(r).requestsPerSecond)),
    p50Ms: median(runs.map((r) => pick(r).p50Ms)),
    p99Ms: median(runs.map((r) => pick(r).p99Ms)),
  })
  const viaOne = summary((r) => r.one)
  const viaThree = summary((r) => r.three)
  const failures = [...runs.flatMap((r) => [r.one, r.three]), flood.signUps, flood.reads].filter(
    (r) => r.non2xx || r.errors,
  ).length
  return {
    rounds: runs,
    one: viaOne,
    three: viaThree,
    ratio: round2(viaThree.requestsPerSecond / viaOne.requestsPerSecond),
    flood,
    failures,
  }
}
