import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const ADMIN = 'admin'

/** The newest modification time under a path (files and folders, recursively). */
function newest(path: string): number {
  const info = statSync(path)
  if (!info.isDirectory()) return info.mtimeMs
  return Math.max(info.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))))
}

/**
 * The browser tests drive the built console: build it when admin/dist is missing or older than a
 * source (what `npm run build:admin` does), so a test never runs against a stale build.
 */
export default function setup() {
  const built = (() => {
    try {
      return statSync(join(ADMIN, 'dist', 'index.html')).mtimeMs
    } catch {
      return 0
    }
  })()
  const sources = Math.max(
    newest(join(ADMIN, 'src')),
    newest(join(ADMIN, 'index.html')),
    newest(join(ADMIN, 'vite.config.ts')),
    // The console reads the workflows' statuses from the API's description.
    newest('openapi.json'),
  )
  if (built >= sources) return
  console.log(
    `  Building the admin console (${built ? 'admin/dist is older than its sources' : 'no admin/dist'})…`,
  )
  const result = spawnSync(
    join('node_modules', '.bin', 'vite'),
    ['build', '--config', join(ADMIN, 'vite.config.ts')],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  )
  if (result.status !== 0) throw new Error(`vite build failed (exit ${result.status})`)
}
