import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, waitForReady } from '../helpers/cli.js'
import { freePort } from '../helpers/net.js'

let dataDir: string

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'custodian-e2e-'))
})
afterAll(() => rm(dataDir, { recursive: true, force: true }))

const run = (args: string[], env: Record<string, string>, stdin?: string) => runCli(dataDir, args, env, stdin)

describe('custodian CLI', () => {
  it('serve: embedded database, first admin from the environment, JSON logs, graceful exit on SIGTERM', async () => {
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const server = run(['serve'], {
      PORT: String(port),
      ADMIN_EMAIL: 'root@example.ch',
      ADMIN_PASSWORD: 'first-admin-Secret',
    })
    try {
      await waitForReady(base, server.child)
      // A second process on the same embedded database is refused: it would write to a copy of its own.
      const meanwhile = run(['create-admin', '--email', 'meanwhile@example.ch'], {}, 'meanwhile-Secret\n')
      expect(await meanwhile.exited).toBe(1)
      expect(meanwhile.output()).toMatch(
        new RegExp(
          `^custodian: ${dataDir} is in use by a running server \\(pid \\d+\\); stop it or use ADMIN_EMAIL/ADMIN_PASSWORD .*\n$`,
        ),
      )
      const token = await fetch(`${base}/api/v1/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'root@example.ch', password: 'first-admin-Secret' }),
      })
      expect(token.status).toBe(201)
      const { token: bearer } = (await token.json()) as { token: string }
      const users = await fetch(`${base}/api/v1/users`, { headers: { authorization: `Bearer ${bearer}` } })
      const page = (await users.json()) as { results: { role: string; url: string }[] }
      expect(page.results[0]?.role).toBe('admin')
      expect(page.results[0]?.url).toBe(`http://localhost:${port}/api/v1/users/1`)
    } finally {
      server.child.kill('SIGTERM')
    }
    expect(await server.exited).toBe(0)
    const lines = server
      .output()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.some((l) => l.msg === 'created the first admin from ADMIN_EMAIL')).toBe(true)
    expect(lines.some((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM')).toBe(true)
    expect(server.output()).not.toContain('first-admin-Secret')
  }, 120_000)

  it('create-admin reads the password from stdin and refuses a taken email', async () => {
    const first = run(['create-admin', '--email', 'second@example.ch'], {}, 'stdin-admin-Secret\n')
    expect(await first.exited).toBe(0)
    expect(first.output()).toMatch(/created admin \d+ <second@example.ch>/)
    const again = run(['create-admin', '--email', 'SECOND@example.ch'], {}, 'stdin-admin-Secret\n')
    expect(await again.exited).toBe(1)
    expect(again.output()).toContain('already exists')
  }, 120_000)

  it('refuses to start with invalid configuration, naming the variable', async () => {
    const bad = run(['serve'], { PORT: 'eighty' })
    expect(await bad.exited).toBe(1)
    expect(bad.output()).toContain('PORT must be integer')
  })

  it('serve on a port in use says so in one line, naming PORT, and exits 1', async () => {
    const taken = createServer().listen(0, '127.0.0.1')
    await once(taken, 'listening')
    const { port } = taken.address() as AddressInfo
    try {
      const serve = runCli(join(dataDir, 'port-in-use'), ['serve'], { PORT: String(port) })
      expect(await serve.exited).toBe(1)
      const lines = serve.output().trim().split('\n')
      expect(lines.at(-1)).toBe(
        `custodian: port ${port} is in use (PORT=${port}); stop the other server or set PORT`,
      )
      expect(serve.output()).not.toMatch(/EADDRINUSE|\n\s+at /)
    } finally {
      taken.close()
    }
  })

  it('openapi | head: the reader leaving early ends it quietly, exit 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'openapi'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d) => {
      stderr += d
    })
    await once(child.stdout, 'data')
    child.stdout.destroy()
    const [code] = await once(child, 'exit')
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
  })
})
