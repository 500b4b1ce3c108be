import { once } from 'node:events'
import { type AddressInfo, connect, createServer, type Socket } from 'node:net'
import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/database.js'
import { backend } from '../helpers/app.js'

const serverUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/**
 * PostgreSQL behind a proxy that fails the first catalog query for array types postgres.js sends on a
 * new connection, as a server cancelling it would (57014: a statement timeout, an operator), without
 * passing it on.
 */
async function failFetchingTypes() {
  const target = new URL(serverUrl)
  const sockets = new Set<Socket>()
  let cuts = 0
  const proxy = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname)
    sockets.add(client).add(upstream)
    upstream.pipe(client)
    client.on('data', (chunk: Buffer) => {
      if (cuts === 0 && chunk.includes('pg_catalog.pg_type')) {
        cuts++
        client.write(errorResponse('57014', 'canceling statement due to statement timeout'))
        client.write(Buffer.from([0x5a, 0, 0, 0, 5, 0x49])) // ReadyForQuery, idle
        return
      }
      upstream.write(chunk)
    })
    const end = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
  }).listen(0, '127.0.0.1')
  await once(proxy, 'listening')
  const url = new URL(serverUrl)
  url.host = `127.0.0.1:${(proxy.address() as AddressInfo).port}`
  return {
    url: url.toString(),
    cuts: () => cuts,
    close() {
      for (const socket of sockets) socket.destroy()
      proxy.close()
    },
  }
}

/** A protocol ErrorResponse message: severity, SQLSTATE and message fields. */
function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.from(`SERROR\0VERROR\0C${code}\0M${message}\0\0`)
  const head = Buffer.alloc(5)
  head.write('E')
  head.writeInt32BE(fields.length + 4, 1)
  return Buffer.concat([head, fields])
}

const cleanups: (() => unknown)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

describe.skipIf(backend !== 'postgres')('a PostgreSQL connection whose first catalog query fails', () => {
  it('fails or retries the query, and never becomes an unhandled rejection (which ends the server)', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    cleanups.push(() => process.off('unhandledRejection', onUnhandled))
    const proxy = await failFetchingTypes()
    cleanups.push(() => proxy.close())
    const database = await openDatabase({ kind: 'postgres', url: proxy.url })
    cleanups.push(() => database.close())

    // The first query comes after the failed one: it may fail (the server would answer 503) or work.
    await sql`SELECT 1`.execute(database.db).catch(() => null)
    expect(proxy.cuts()).toBe(1)
    // The next one works.
    const { rows } = await sql<{ n: number }>`SELECT 41 + 1 AS n`.execute(database.db)
    expect(rows).toEqual([{ n: 42 }])
    await new Promise((r) => setTimeout(r, 200))
    expect(unhandled).toEqual([])
  })
})
