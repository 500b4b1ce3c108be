import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely'
import type { ReservedSql, Sql } from 'postgres'

/**
 * Kysely on postgres.js, shaped for an API that runs mostly one query per request.
 *
 * Why not `kysely-postgres-js`: it reserves a connection for every query and runs it unprepared, so
 * each request waits for a free connection and PostgreSQL parses and plans the SQL every time (the
 * benchmark measured 3.3k req/s for an authenticated GET that way). Here a single query goes to the
 * pool, which pipelines it onto any connection as a prepared statement, and a connection is reserved
 * only from BEGIN to COMMIT/ROLLBACK, which is the only time a query must follow another on the
 * same session.
 */
class PostgresJSConnection implements DatabaseConnection {
  #transaction: ReservedSql | null = null
  /** The reserved connection failed as a connection (not a statement): its transaction is gone. */
  #lost = false

  constructor(private readonly pool: Sql) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const target = this.#transaction ?? this.pool
    const result = await target
      .unsafe(query.sql, query.parameters as never[], { prepare: true })
      .catch((error: unknown) => {
        if (this.#transaction && connectionLost(error)) this.#lost = true
        throw error
      })
    const writes = result.command === 'INSERT' || result.command === 'UPDATE' || result.command === 'DELETE'
    return {
      rows: result as unknown as R[],
      ...(writes || result.command === 'MERGE' ? { numAffectedRows: BigInt(result.count) } : {}),
    }
  }

  // biome-ignore lint/correctness/useYield: streaming is not offered; Kysely requires the method
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported by this dialect')
  }

  async begin(settings: TransactionSettings) {
    this.#transaction = await this.pool.reserve()
    const isolation = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : ''
    const access = settings.accessMode ? ` ${settings.accessMode}` : ''
    try {
      await this.#transaction.unsafe(`start transaction${isolation}${access}`)
    } catch (error) {
      this.#release()
      throw error
    }
  }

  async end(statement: 'commit' | 'rollback') {
    try {
      // A lost connection took its transaction with it: PostgreSQL rolled it back. Sent on the dead
      // connection, the ROLLBACK could wait forever (seen when PostgreSQL stops mid-transaction).
      if (statement === 'rollback' && this.#lost) return
      await this.#transaction?.unsafe(statement)
    } finally {
      this.#release()
    }
  }

  #release() {
    this.#transaction?.release()
    this.#transaction = null
    this.#lost = false
  }
}

/**
 * Whether an error says the connection itself is gone (closed, reset, or ended by the server
 * shutting down: SQLSTATE 57P01–57P03, class 08), not that a statement failed.
 */
function connectionLost(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return (
    typeof code === 'string' &&
    (/^(CONNECTION_(CLOSED|ENDED|DESTROYED)|ECONNRESET|EPIPE|ECONNREFUSED|ETIMEDOUT)$/.test(code) ||
      /^(57P0[123]|08...)$/.test(code))
  )
}

class PostgresJSDriver implements Driver {
  constructor(private readonly pool: Sql) {}
  async init() {}
  async acquireConnection() {
    return new PostgresJSConnection(this.pool)
  }
  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    await (connection as PostgresJSConnection).begin(settings)
  }
  async commitTransaction(connection: DatabaseConnection) {
    await (connection as PostgresJSConnection).end('commit')
  }
  async rollbackTransaction(connection: DatabaseConnection) {
    await (connection as PostgresJSConnection).end('rollback')
  }
  async releaseConnection() {}
  async destroy() {
    await this.pool.end({ timeout: 5 })
  }
}

export class PostgresJSDialect implements Dialect {
  constructor(private readonly pool: Sql) {}
  createAdapter = () => new PostgresAdapter()
  createDriver = () => new PostgresJSDriver(this.pool)
  createQueryCompiler = () => new PostgresQueryCompiler()
  createIntrospector = (db: Parameters<Dialect['createIntrospector']>[0]) => new PostgresIntrospector(db)
}
