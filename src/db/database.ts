import { mkdir } from 'node:fs/promises'
import { PGlite } from '@electric-sql/pglite'
import {
  DummyDriver,
  Kysely,
  type MigrationResult,
  Migrator,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
} from 'kysely'
import { PGliteDialect } from 'kysely-pglite-dialect'
import postgres from 'postgres'
import type { Config } from '../config.js'
import { lockDataDir } from './data-dir-lock.js'
import { PGLITE_OPTIONS, seedFromImage } from './image.js'
import { migrations } from './migrations/index.js'
import { PostgresJSDialect } from './postgres-js-dialect.js'
import type { Database } from './schema.js'

export type Db = Kysely<Database>

export interface DatabaseHandle {
  db: Db
  /**
   * For single-row lookups by primary or unique key outside a transaction (the token check, reading
   * one item): on PostgreSQL one connection on which concurrent lookups are pipelined, many per
   * round trip. Profiling showed the per-query cost of the pool at ~45 µs of Node CPU and ~18 µs
   * pipelined. Only index lookups belong here: a slow query would hold up every lookup behind it.
   */
  lookups: Db
  kind: Config['database']['kind']
  /** A session of its own, for a background job that holds session locks and listens (the relay). */
  session(): Promise<Session>
  close(): Promise<void>
}

export interface Session {
  /** Queries on one dedicated connection: a session-level lock taken here holds until it closes. */
  db: Db
  /** Calls `onNotify` for each NOTIFY on `channel` (delivered when the notifying transaction commits). */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>
  close(): Promise<void>
}

/**
 * PostgreSQL through postgres.js when a URL is given, else embedded PGlite in `dataDir` (or in memory
 * when `dataDir` is null), which this process then holds alone until `close` (see lockDataDir). Both return bigint ids as JavaScript numbers, so no code sees the difference.
 */
export async function openDatabase(
  // In memory, optionally loaded from a tarball of a data directory (PGlite's dumpDataDir): the tests'.
  target: Config['database'] | { kind: 'pglite'; dataDir: null; image?: Blob | undefined },
) {
  if (target.kind === 'postgres') {
    const client = (max: number, options: postgres.Options<never> = {}) =>
      postgres(target.url, {
        ...options,
        max,
        onnotice: () => {},
        connection: { application_name: 'custodian' },
        // int8 (oid 20) as a number: ids are identities far below 2^53, and counts too.
        types: { bigint: { to: 20, from: [20], serialize: String, parse: Number } },
      })
    const db: Db = new Kysely<Database>({ dialect: new PostgresJSDialect(client(10)) })
    const lookups: Db = new Kysely<Database>({ dialect: new PostgresJSDialect(client(1)) })
    return {
      db,
      lookups,
      kind: 'postgres',
      async session() {
        // Never recycled on a timer: a lost connection would silently drop the session's locks.
        const sql = client(1, { max_lifetime: null, idle_timeout: 0 })
        const session = new Kysely<Database>({ dialect: new PostgresJSDialect(sql) })
        return {
          db: session,
          async listen(channel, onNotify) {
            const { unlisten } = await sql.listen(channel, (payload) => onNotify(payload))
            return unlisten
          },
          close: () => session.destroy(),
        }
      },
      close: async () => {
        await Promise.all([db.destroy(), lookups.destroy()])
      },
    } satisfies DatabaseHandle
  }
  let lock: { release(): Promise<void> } | null = null
  if (target.dataDir !== null) {
    await mkdir(target.dataDir, { recursive: true })
    lock = await lockDataDir(target.dataDir)
  }
  let pglite: PGlite
  try {
    // An empty data directory starts from the built image (initdb and the migrations already run).
    if (target.dataDir !== null) await seedFromImage(target.dataDir)
    pglite = await PGlite.create(target.dataDir ?? undefined, {
      ...PGLITE_OPTIONS,
      ...('image' in target && target.image && { loadDataDir: target.image }),
    })
  } catch (error) {
    await lock?.release()
    throw error
  }
  const db: Db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) })
  // PGlite has one session anyway: lookups share it.
  return {
    db,
    lookups: db,
    kind: 'pglite',
    // One process, one session: the relay shares it.
    session: async () => ({
      db,
      listen: (channel, onNotify) => pglite.listen(channel, (payload) => onNotify(payload)),
      close: async () => {},
    }),
    close: async () => {
      await db.destroy()
      await lock?.release()
    },
  } satisfies DatabaseHandle
}

/** A Kysely that compiles queries but cannot run them: for building the app without a database. */
export function offlineDatabase(): Db {
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  })
}

function migrator(db: Db) {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } })
}

/** Applies every pending migration. Safe to run from several instances at once (Kysely takes a lock). */
export async function migrateToLatest(db: Db): Promise<MigrationResult[]> {
  const { error, results } = await migrator(db).migrateToLatest()
  if (error) throw error
  return results ?? []
}

/** The names of migrations the code knows but the database has not applied. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const all = await migrator(db).getMigrations()
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name)
}

export async function ping(db: Db): Promise<void> {
  await sql`SELECT 1`.execute(db)
}

/**
 * The constraint a unique violation (SQLSTATE 23505) broke, or null for any other error.
 * postgres.js calls the field `constraint_name`, PGlite `constraint`.
 */
export function violatedUniqueConstraint(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null
  const e = error as { code?: unknown; constraint_name?: unknown; constraint?: unknown }
  if (e.code !== '23505') return null
  const name = e.constraint_name ?? e.constraint
  return typeof name === 'string' ? name : ''
}
