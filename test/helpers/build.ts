import { spawnSync } from 'node:child_process'

/**
 * Global setup of the end-to-end tests: they run the built `custodian` (dist/cli.js, started in a
 * fraction of the time `tsx` takes to compile the sources in each process), so build the server and
 * the database image first when their sources changed (scripts/build.mjs; nothing when current).
 */
export default function setup() {
  const result = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale', '--only=server,image'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  if (result.status !== 0) throw new Error(`scripts/build.mjs failed (exit ${result.status})`)
}
