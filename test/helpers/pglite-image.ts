import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { Kysely } from 'kysely'
import { PGliteDialect } from 'kysely-pglite-dialect'
import type { TestProject } from 'vitest/node'
import { migrateToLatest } from '../../src/db/database.js'
import { PGLITE_OPTIONS, pgliteVersion } from '../../src/db/image.js'
import type { Database } from '../../src/db/schema.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** A tarball of a migrated embedded database (PGlite's dumpDataDir), or '' for none. */
    pgliteImage: string
  }
}

const MIGRATIONS = join('src', 'db', 'migrations')
const CACHE = join('node_modules', '.cache', 'custodian')

/**
 * Global setup: the tarball every in-memory test database starts from, instead of running initdb (seconds
 * of WebAssembly per test file on this 2-core machine) and the migrations again in each file. Made once,
 * in memory, by the same migrations, and kept under node_modules/.cache, named by a hash of the migrations
 * and the PGlite version, so a change to either makes a new one. src/db/image.test.ts checks that a
 * database from an image has the schema of one migrated from scratch.
 */
export default async function setup(project: TestProject) {
  project.provide('pgliteImage', await testImage())
}

async function testImage(): Promise<string> {
  const digest = createHash('sha256').update(pgliteVersion())
  for (const name of (await readdir(MIGRATIONS)).sort())
    digest.update(`${name}\0`).update(await readFile(join(MIGRATIONS, name)))
  const path = join(CACHE, `pglite-test-image-${digest.digest('hex').slice(0, 16)}.tar`)
  if (await stat(path).catch(() => null)) return path
  const pglite = await PGlite.create(PGLITE_OPTIONS)
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) })
  try {
    await migrateToLatest(db)
    const tarball = await pglite.dumpDataDir('none')
    await mkdir(CACHE, { recursive: true })
    // Written aside and renamed: projects set up in parallel never read half a file.
    const draft = `${path}.${process.pid}`
    await writeFile(draft, Buffer.from(await tarball.arrayBuffer()))
    await rename(draft, path)
  } finally {
    await db.destroy()
  }
  return path
}
