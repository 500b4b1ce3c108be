import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, waitForReady } from '../helpers/cli.js'
import { freePort } from '../helpers/net.js'

let dataDir: string
let base: string
let server: ReturnType<typeof runCli>

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'custodian-demo-'))
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  // Sign-ups come from 127.0.0.1, which no country database places: admitted for this demo.
  server = runCli(dataDir, ['serve'], { PORT: String(port), GEO_ALLOW_UNKNOWN: 'true', LOG_LEVEL: 'warn' })
  await waitForReady(base, server.child)
})
afterAll(async () => {
  server.child.kill('SIGTERM')
  await server.exited
  await rm(dataDir, { recursive: true, force: true })
})

/** One JSON request to the running server, as a client would make it. */
async function call(
  method: string,
  path: string,
  options: { token?: string; body?: object; headers?: object } = {},
) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: {
      ...(options.body && { 'content-type': 'application/json' }),
      ...(options.token && { authorization: `Bearer ${options.token}` }),
      ...options.headers,
    },
    body: options.body && JSON.stringify(options.body),
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null }
}

// The demo path of the job-applications service Custodian grew from (seeds/002): token auth, create,
// filter, move, events, stats, against the real server over HTTP.
describe('the job applications demo path', () => {
  it('token → create → filter → move → events → stats', async () => {
    const signUp = await call('POST', '/users', {
      body: { email: 'jo@example.ch', password: 'a-long-Passw0rd', first_name: 'Jo', last_name: 'Seeker' },
    })
    expect(signUp.status).toBe(201)
    const { token } = (
      await call('POST', '/tokens', { body: { email: 'jo@example.ch', password: 'a-long-Passw0rd' } })
    ).body
    expect(token).toMatch(/^cus_/)
    expect((await call('GET', '/applications')).status).toBe(401)

    const acme = await call('POST', '/applications', {
      token,
      body: { company: 'Acme', position: 'Backend Engineer', source: 'LinkedIn' },
    })
    expect(acme.status).toBe(201)
    expect(acme.headers.get('location')).toBe(
      `${base.replace('127.0.0.1', 'localhost')}/api/v1/applications/1`,
    )
    const globex = await call('POST', '/applications', {
      token,
      body: {
        company: 'Globex',
        position: 'Data Engineer',
        status: 'applied',
        applied_at: '2026-01-05T09:00:00Z',
      },
    })
    expect(globex.body.status).toBe('applied')

    const saved = await call('GET', '/applications?status=saved&search=acme', { token })
    expect(saved.body.results.map((a: { company: string }) => a.company)).toEqual(['Acme'])

    const id = acme.body.id
    const refused = await call('PATCH', `/applications/${id}`, { token, body: { status: 'offer' } })
    expect(refused.status).toBe(409)
    expect(refused.body).toMatchObject({
      code: 'invalid_transition',
      current: 'saved',
      allowed: ['applied', 'rejected', 'withdrawn'],
    })
    const moved = await call('PATCH', `/applications/${id}`, {
      token,
      body: { status: 'applied' },
      headers: { 'if-match': acme.headers.get('etag') },
    })
    expect(moved.status).toBe(200)
    expect(moved.body).toMatchObject({ status: 'applied', applied_at: moved.body.status_changed_at })
    const screening = await call('PATCH', `/applications/${id}`, { token, body: { status: 'screening' } })
    expect(screening.body.status).toBe('screening')

    const events = await call('GET', `/applications/${id}/events`, { token })
    expect(events.body.results.map((e: { action: string }) => e.action)).toEqual([
      'created',
      'status_changed',
      'status_changed',
    ])
    expect(events.body.results[1]).toMatchObject({
      actor_id: signUp.body.id,
      before: { status: 'saved' },
      after: { status: 'applied' },
    })

    const stats = await call('GET', '/applications/stats', { token })
    expect(stats.status).toBe(200)
    expect(stats.body).toMatchObject({
      total: 2,
      by_status: { saved: 0, applied: 1, screening: 1 },
      funnel: [
        { status: 'saved', reached: 2, share: 1 },
        { status: 'applied', reached: 2, share: 1 },
        { status: 'screening', reached: 1, share: 0.5 },
        { status: 'interviewing', reached: 0, share: 0 },
        { status: 'offer', reached: 0, share: 0 },
        { status: 'accepted', reached: 0, share: 0 },
      ],
    })
    expect(stats.body.median_days[0]).toMatchObject({ from: 'saved', to: 'applied', moves: 1 })
  })
})
