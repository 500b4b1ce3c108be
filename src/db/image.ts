import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { Kysely, Migrator } from 'kysely'
import { PGliteDialect } from 'kysely-pglite-dialect'
import { ROOT } from '../paths.js'
import { migrations } from './migrations/index.js'
import type { Database } from './schema.js'

/**
 * The embedded database's image: a data directory on which initdb and every migration have already
 * run, built once (`npm run build`, and `npm ci` through `prepare`) into dist/pglite-image. A first
 * start copies it into the empty DATA_DIR instead of running initdb (seconds of WebAssembly), and
 * migrations newer than the image then apply on top as on any existing database.
 */
export const IMAGE_DIR = join(ROOT, 'dist', 'pglite-image')
/** Written last, after the directory is in place: no manifest, no image. */
const manifestPath = (dir: string) => `${dir}.json`

export interface ImageManifest {
  /** The PGlite that made it: another version may not read its files. */
  pglite: string
  /** The migrations applied in it, in order. */
  migrations: string[]
}

/**
 * How every embedded database starts (the server's, the image's, the tests'). PostgreSQL's default
 * shared_buffers (128 MB) lives in the WebAssembly memory and is touched as pages are read: 16 MB
 * holds a development database's working set and keeps an idle server's resident set about 150 MB
 * smaller (issue 13).
 */
export const PGLITE_OPTIONS = {
  extensions: { pg_trgm },
  startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'],
}

export function pgliteVersion(): string {
  const require = createRequire(import.meta.url)
  // The package's exports hide package.json: read it beside the resolved entry point's folder.
  const entry = require.resolve('@electric-sql/pglite')
  const pkg = join(entry.slice(0, entry.lastIndexOf('/dist/')), 'package.json')
  return (require(pkg) as { version: string }).version
}

/**
 * Makes the image in `dir` (replacing one there): initdb, then the migrations up to and including
 * `upTo` (all by default), then a clean shutdown.
 */
export async function buildImage(dir: string = IMAGE_DIR, upTo?: string): Promise<ImageManifest> {
  const draft = `${dir}.draft-${process.pid}`
  await rm(draft, { recursive: true, force: true })
  await mkdir(draft, { recursive: true })
  const pglite = await PGlite.create(draft, PGLITE_OPTIONS)
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) })
  let applied: string[]
  try {
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
    const { error, results } = upTo ? await migrator.migrateTo(upTo) : await migrator.migrateToLatest()
    if (error) throw error
    applied = (results ?? []).map((r) => r.migrationName)
  } finally {
    await db.destroy()
  }
  const manifest: ImageManifest = { pglite: pgliteVersion(), migrations: applied }
  await rm(manifestPath(dir), { force: true })
  await rm(dir, { recursive: true, force: true })
  await rename(draft, dir)
  await writeFile(manifestPath(dir), `${JSON.stringify(manifest, null, 2)}\n`)
  return manifest
}

/**
 * The image in `dir` when this code can use it: made by the installed PGlite, with migrations that
 * are the first ones of this code's (the rest apply on top). Null otherwise: then initdb runs.
 */
export async function usableImage(dir: string = IMAGE_DIR): Promise<ImageManifest | null> {
  let manifest: ImageManifest
  try {
    manifest = JSON.parse(await readFile(manifestPath(dir), 'utf8')) as ImageManifest
  } catch {
    return null
  }
  const known = Object.keys(migrations)
  if (manifest.pglite !== pgliteVersion()) return null
  if (!manifest.migrations.every((name, i) => known[i] === name)) return null
  return manifest
}

/**
 * Copies the image into `dataDir` when it holds no database yet (no PG_VERSION). PG_VERSION is copied
 * last: it is what tells PGlite a database is there, so a copy cut short is made again next time.
 * Returns whether it copied.
 */
export async function seedFromImage(dataDir: string, dir: string = IMAGE_DIR): Promise<boolean> {
  if (await exists(join(dataDir, 'PG_VERSION'))) return false
  if (!(await usableImage(dir))) return false
  await mkdir(dataDir, { recursive: true })
  for (const entry of await readdir(dir)) {
    if (entry === 'PG_VERSION') continue
    await cp(join(dir, entry), join(dataDir, entry), { recursive: true, force: true })
  }
  await cp(join(dir, 'PG_VERSION'), join(dataDir, 'PG_VERSION'))
  return true
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}
