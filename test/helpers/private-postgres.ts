import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chown, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './net.js'

const run = promisify(execFile)

/** The PostgreSQL server binaries of this machine (Debian's layout), or null. */
export function postgresBin(): string | null {
  for (const version of ['17', '16', '15', '14']) {
    const bin = `/usr/lib/postgresql/${version}/bin`
    if (existsSync(join(bin, 'pg_ctl'))) return bin
  }
  return null
}

/**
 * A PostgreSQL server of a test's own, in a temporary directory on a free loopback port, that the test
 * may stop and restart without disturbing the shared server other tests use. As root, the server runs
 * as the `postgres` user (PostgreSQL refuses to run as root).
 */
export async function privatePostgres() {
  const bin = postgresBin()
  if (!bin) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql')
  const dir = await mkdtemp(join(tmpdir(), 'custodian-pg-'))
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres'])
    const { stdout: gid } = await run('id', ['-g', 'postgres'])
    await chown(dir, Number(stdout), Number(gid))
  }
  const as = (command: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin, command), ...args])
      : run(join(bin, command), args)
  const data = join(dir, 'data')
  await as('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'])
  const port = await freePort()
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`
  const ctl = (...args: string[]) => as('pg_ctl', ['-D', data, '-w', '-t', '60', ...args])
  await ctl('-o', options, '-l', join(dir, 'log'), 'start')
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => ctl('-m', 'fast', 'stop'),
    start: () => ctl('-o', options, '-l', join(dir, 'log'), 'start'),
    async close() {
      await ctl('-m', 'immediate', 'stop').catch(() => {})
      await rm(dir, { recursive: true, force: true })
    },
  }
}
