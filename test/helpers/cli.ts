import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'

/**
 * The real `custodian` command as built in dist/, which the e2e project's global setup brings up to date
 * (test/helpers/build.ts): a process starts in a fraction of the time tsx takes to compile the sources.
 */
const CLI = [process.execPath, join('dist', 'cli.js')] as const

/** Runs `custodian <args>` with the embedded database in `dataDir`, collecting what it prints. */
export function runCli(dataDir: string, args: string[], env: Record<string, string>, stdin?: string) {
  const child = spawn(CLI[0], [CLI[1], ...args], {
    env: { PATH: process.env.PATH, DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d) => {
    output += d
  })
  child.stderr.on('data', (d) => {
    output += d
  })
  child.stdin.end(stdin ?? '')
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  return { child, exited, output: () => output }
}

/** Waits until a server started by `runCli(['serve'])` answers /ready, or fails if it exits first. */
export async function waitForReady(url: string, child: ChildProcess) {
  // A minute: on a busy 2-core machine compiling and migrating alone can take twenty seconds.
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const res = await fetch(`${url}/ready`)
      if (res.status === 200) return
    } catch {}
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('the server did not become ready')
}
