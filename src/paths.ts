import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The project's root (the folder of its package.json), found by walking up from this code: it runs
 * from src/ (tsx, the tests) and bundled into dist/cli.js or dist/db/image.js (scripts/build.mjs),
 * each at another depth, so no fixed `../..` is right for all.
 */
function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`)
  }
}

export const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)))
