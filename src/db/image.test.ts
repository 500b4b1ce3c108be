import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { Kysely } from 'kysely'
import { PGliteDialect } from 'kysely-pglite-dialect'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateToLatest } from './database.js'
import { buildImage, PGLITE_OPTIONS, pgliteVersion, seedFromImage, usableImage } from './image.js'
import { migrations } from './migrations/index.js'
import type { Database } from './schema.js'

/** Everything migrations make, as rows a test can compare: tables, columns, constraints, indexes, code. */
async function schemaOf(pglite: PGlite) {
  const q = async (text: string) => (await pglite.query(text)).rows
  return {
    columns: await q(`SELECT table_name, column_name, ordinal_position, data_type, udt_name, column_default,
        is_nullable, is_identity, identity_generation, character_maximum_length
      FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 3`),
    constraints: await q(`SELECT conrelid::regclass::text AS rel, conname, pg_get_constraintdef(oid) AS def
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`),
    indexes: await q(
      `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2`,
    ),
    functions: await q(`SELECT proname, pg_get_functiondef(oid) AS def FROM pg_proc
      WHERE pronamespace = 'public'::regnamespace AND prokind IN ('f', 'p') ORDER BY 1, 2`),
    triggers: await q(`SELECT tgrelid::regclass::text AS rel, tgname, pg_get_triggerdef(oid) AS def
      FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2`),
    views: await q(`SELECT viewname, definition FROM pg_views WHERE schemaname = 'public' ORDER BY 1`),
    sequences:
      await q(`SELECT sequence_name, data_type, start_value, increment FROM information_schema.sequences
      WHERE sequence_schema = 'public' ORDER BY 1`),
    types:
      await q(`SELECT t.typname, e.enumlabel, e.enumsortorder FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
      ORDER BY 1, 3`),
    extensions: await q('SELECT extname, extversion FROM pg_extension ORDER BY 1'),
    migrations: await q('SELECT name FROM kysely_migration ORDER BY name'),
    settings: await q(`SELECT name, setting FROM pg_settings
      WHERE name IN ('server_encoding', 'lc_collate', 'lc_ctype', 'TimeZone', 'DateStyle') ORDER BY 1`),
  }
}

/** A PGlite opened like the server opens one, migrated to the latest, and its schema. */
async function migratedSchema(dataDir: string | undefined) {
  const pglite = await PGlite.create(dataDir, PGLITE_OPTIONS)
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) })
  try {
    const applied = await migrateToLatest(db)
    return { applied: applied.map((m) => m.migrationName), schema: await schemaOf(pglite) }
  } finally {
    await db.destroy()
  }
}

const names = Object.keys(migrations)

describe('the embedded database image', () => {
  let scratch: string
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'custodian-image-'))
  })
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true })
  })

  it('holds exactly what the migrations make, and newer migrations apply on top of an older image', async () => {
    // Built in parallel: each is seconds of initdb.
    const [fromScratch, full, older] = await Promise.all([
      // The reference: initdb and the migrations, no image involved.
      migratedSchema(undefined),
      buildImage(join(scratch, 'full')),
      // An image made before the last migration existed.
      buildImage(join(scratch, 'older'), names.at(-2)),
    ])
    expect(full.migrations).toEqual(names)
    expect(older.migrations).toEqual(names.slice(0, -1))
    expect(fromScratch.applied).toEqual(names)

    const seededFull = join(scratch, 'data-full')
    expect(await seedFromImage(seededFull, join(scratch, 'full'))).toBe(true)
    const fromFull = await migratedSchema(seededFull)
    expect(fromFull.applied).toEqual([])
    expect(fromFull.schema).toEqual(fromScratch.schema)

    const seededOlder = join(scratch, 'data-older')
    expect(await seedFromImage(seededOlder, join(scratch, 'older'))).toBe(true)
    const fromOlder = await migratedSchema(seededOlder)
    expect(fromOlder.applied).toEqual(names.slice(-1))
    expect(fromOlder.schema).toEqual(fromScratch.schema)

    // A data directory that holds a database is never overwritten.
    expect(await seedFromImage(seededFull, join(scratch, 'full'))).toBe(false)
  }, 180_000)

  it('is not used when another PGlite made it or its migrations are not this code’s', async () => {
    const dir = join(scratch, 'foreign')
    const write = (manifest: object) => writeFile(`${dir}.json`, JSON.stringify(manifest))
    expect(await usableImage(dir)).toBeNull()
    await write({ pglite: '0.0.1', migrations: names })
    expect(await usableImage(dir)).toBeNull()
    await write({ pglite: pgliteVersion(), migrations: ['0001_other'] })
    expect(await usableImage(dir)).toBeNull()
    await write({ pglite: pgliteVersion(), migrations: names.slice(0, 2) })
    expect(await usableImage(dir)).not.toBeNull()
    expect(await seedFromImage(join(scratch, 'data-foreign'), join(scratch, 'nothing-here'))).toBe(false)
  })
})
