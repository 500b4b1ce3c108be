import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './net.js'

/** Debian's HAProxy (`apt-get install haproxy`), or null. */
export function haproxyBin(): string | null {
  for (const bin of ['/usr/sbin/haproxy', '/usr/bin/haproxy']) if (existsSync(bin)) return bin
  try {
    return execFileSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).trim() || null
  } catch {
    return null
  }
}

/**
 * HAProxy on a free loopback port in front of Custodian instances on `ports` of 127.0.0.1 (used by the
 * cluster and fault tests and by `npm run bench`). It balances round-robin, checks `/ready` every
 * 250 ms, takes an instance out at its first refused connection or second failed check and sends a
 * request whose connection was refused to another instance; a request cut off mid-way (its instance
 * killed) is answered 502 — for the client to retry, with its Idempotency-Key.
 */
export async function startHaproxy(ports: number[]) {
  const haproxy = haproxyBin()
  if (!haproxy) throw new Error('no haproxy binary (apt-get install haproxy)')
  const dir = await mkdtemp(join(tmpdir(), 'custodian-haproxy-'))
  const proxyPort = await freePort()
  const config = [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    // A busy instance may take a while to answer /ready: slow is not dead (a killed one refuses at once).
    '  timeout check 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  retries 3',
    '  option redispatch 1',
    '  retry-on conn-failure',
    '  option forwardfor',
    'frontend api',
    `  bind 127.0.0.1:${proxyPort}`,
    '  default_backend instances',
    'backend instances',
    '  balance roundrobin',
    '  option httpchk GET /ready',
    '  http-check expect status 200',
    // Out at the first refused connection (observe layer4) or after two failed checks; back at the first pass.
    '  default-server check inter 250ms fall 2 rise 1 observe layer4 error-limit 1 on-error mark-down',
    ...ports.map((port, i) => `  server s${i + 1} 127.0.0.1:${port}`),
    '',
  ].join('\n')
  const configFile = join(dir, 'haproxy.cfg')
  await writeFile(configFile, config)
  // -db: stay in the foreground, so the caller owns the process and its end.
  const proxy = spawn(haproxy, ['-db', '-f', configFile], { stdio: ['ignore', 'ignore', 'inherit'] })
  const base = `http://127.0.0.1:${proxyPort}`
  for (let i = 0; ; i++) {
    if (proxy.exitCode !== null) throw new Error(`haproxy exited (${proxy.exitCode}); config:\n${config}`)
    const res = await fetch(`${base}/ready`).catch(() => null)
    if (res?.status === 200) break
    if (i > 100) throw new Error('haproxy did not answer')
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    /** Where clients go. */
    base,
    async close() {
      const exited = proxy.exitCode === null ? once(proxy, 'exit') : null
      proxy.kill('SIGTERM')
      await exited
      await rm(dir, { recursive: true, force: true })
    },
  }
}
