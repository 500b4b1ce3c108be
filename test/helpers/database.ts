import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import postgres from 'postgres'
import { inject } from 'vitest'
import { type DatabaseHandle, migrateToLatest, openDatabase } from '../../src/db/database.js'

export const backend: 'pglite' | 'postgres' = process.env.TEST_DB === 'postgres' ? 'postgres' : 'pglite'

let image: Promise<Blob | undefined> | undefined

/**
 * A fresh, migrated database for one test file: PGlite in memory (loaded from the migrated image the
 * global setup made, see pglite-image.ts; migrating it is then a no-op), or a new database on the PostgreSQL
 * server (dropped again on close), so files run in parallel without seeing each other's rows.
 */
export async function createTestDatabase(): Promise<DatabaseHandle & { url: string | null }> {
  if (backend === 'pglite') {
    const path = inject('pgliteImage')
    image ??= path ? readFile(path).then((bytes) => new Blob([bytes])) : Promise.resolve(undefined)
    const handle = await openDatabase({ kind: 'pglite', dataDir: null, image: await image })
    await migrateToLatest(handle.db)
    return { ...handle, url: null }
  }
  const serverUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  const name = `custodian_test_${randomBytes(6).toString('hex')}`
  const server = postgres(serverUrl, { max: 1, onnotice: () => {} })
  await server.unsafe(`CREATE DATABASE ${name}`)
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  const handle = await openDatabase({ kind: 'postgres', url: url.toString() })
  await migrateToLatest(handle.db)
  return {
    ...handle,
    url: url.toString(),
    async close() {
      await handle.close()
      await server.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await server.end()
    },
  }
}
