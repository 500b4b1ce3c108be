import { sql } from 'kysely'
import type { Db, Session } from '../../db/database.js'
import type { ChangeRow } from '../../db/schema.js'
import type { Publisher } from './publisher.js'

/**
 * The session-level advisory lock whose holder is the one relay (migration 0004's ordering lock is
 * …501). pg_locks shows a bigint key as its high and low 32 bits.
 */
const RELAY_LOCK = sql.lit(7290130502)
const RELAY_LOCK_BITS = { high: sql.lit(1), low: sql.lit(2995163206) }
const RELAY = 'amqp'
export const CHANGES_CHANNEL = 'custodian_changes'

export interface RelayEvents {
  published(count: number): void
  failed(error: unknown): void
  /** This instance became the relay, or stepped down. */
  role(leader: boolean): void
}

export interface RelayOptions {
  session: Session
  publisher: Publisher
  batchSize: number
  /** A batch also ends once its records hold this many bytes of JSON (one record may exceed it). */
  batchBytes?: number
  events?: Partial<RelayEvents>
  /** How often a stand-by instance tries to take over (ms). */
  standbyPollMs?: number
  /** A safety net for a lost notification: look for changes at least this often (ms). */
  idlePollMs?: number
  backoff?: { minMs: number; maxMs: number }
}

/** How far the relay is behind the log: changes not yet published, and the age of the oldest. */
export async function relayLag(db: Db): Promise<{ events: number; seconds: number }> {
  const { rows } = await sql<{ head: number | null; published: number | null; oldest: Date | null }>`
    SELECT (SELECT max(seq) FROM changes) AS head,
           o.last_seq AS published,
           (SELECT occurred_at FROM changes WHERE seq > coalesce(o.last_seq, 0) ORDER BY seq LIMIT 1) AS oldest
    FROM (SELECT 1) one LEFT JOIN outbox_offsets o ON o.relay = ${RELAY}`.execute(db)
  const row = rows[0]
  const head = Number(row?.head ?? 0)
  const published = Number(row?.published ?? 0)
  const oldest = row?.oldest ? new Date(row.oldest).getTime() : null
  return {
    events: Math.max(0, head - published),
    seconds: oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000),
  }
}

/**
 * The outbox relay (DESIGN §5): publishes the change log, in sequence order, from the offset it last
 * saved. Every instance runs one; the holder of a session advisory lock relays and the others stand
 * by, ready to take over when its session ends. The lock, the reads and the offset share the one
 * session, so a relay whose connection dies loses the lock and stops before it could publish again.
 *
 * At-least-once: the offset is saved after the broker confirms a batch, so a crash in between
 * publishes the batch again, with the same ids. Nothing uncommitted is ever read, so nothing
 * uncommitted is ever published. A NOTIFY from the change log's trigger wakes it; while the broker is
 * away it backs off exponentially and the changes wait in the table.
 */
export async function startRelay(options: RelayOptions) {
  const { session, publisher, batchSize } = options
  const db = session.db
  const idlePollMs = options.idlePollMs ?? 5_000
  const standbyPollMs = options.standbyPollMs ?? 2_000
  const backoff = options.backoff ?? { minMs: 200, maxMs: 15_000 }
  const batchBytes = options.batchBytes ?? 8 * 1024 * 1024
  const events = options.events ?? {}

  let stopped = false
  let notified = false
  let interrupt: (() => void) | null = null
  /** Waits `ms`, or less when stopped (or, if `wakeable`, when a change is committed). */
  const pause = (ms: number, wakeable: boolean) =>
    new Promise<void>((resolve) => {
      if (stopped || (wakeable && notified)) return resolve()
      const done = () => {
        clearTimeout(timer)
        interrupt = null
        resolve()
      }
      const timer = setTimeout(done, ms)
      interrupt = () => {
        if (stopped || (wakeable && notified)) done()
      }
    })
  const unlisten = await session.listen(CHANGES_CHANNEL, () => {
    notified = true
    interrupt?.()
  })

  const tryLock = async () =>
    (await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(${RELAY_LOCK}::bigint) AS locked`.execute(db))
      .rows[0]?.locked === true
  /** Still the holder? After a reconnect the session is new and the lock may be someone else's. */
  const holdsLock = async () => {
    const { rows } = await sql<{ held: boolean }>`
      SELECT EXISTS (
        SELECT 1 FROM pg_locks
        WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
          AND classid = ${RELAY_LOCK_BITS.high} AND objid = ${RELAY_LOCK_BITS.low}
          AND objsubid = 1
      ) AS held`.execute(db)
    return rows[0]?.held === true
  }
  const readOffset = async () => {
    await db
      .insertInto('outbox_offsets')
      .values({ relay: RELAY, last_seq: 0 })
      .onConflict((oc) => oc.doNothing())
      .execute()
    const row = await db
      .selectFrom('outbox_offsets')
      .select('last_seq')
      .where('relay', '=', RELAY)
      .executeTakeFirstOrThrow()
    return Number(row.last_seq)
  }

  let leader = false
  let offset = 0
  let delay = backoff.minMs
  const step = async () => {
    if (!leader) {
      if (!(await tryLock())) return pause(standbyPollMs, false)
      try {
        offset = await readOffset()
      } catch (error) {
        // Not the relay without knowing where the log was left: let another instance try.
        await sql`SELECT pg_advisory_unlock(${RELAY_LOCK}::bigint)`.execute(db).catch(() => {})
        throw error
      }
      leader = true
      events.role?.(true)
    } else if (!(await holdsLock())) {
      leader = false
      events.role?.(false)
      return
    }
    notified = false
    // Up to batchSize records, and no more bytes than batchBytes (large documents make large events).
    const { rows: batch } = await sql<ChangeRow>`
      SELECT * FROM (
        SELECT c.*, sum(coalesce(octet_length(c.before::text), 0) + coalesce(octet_length(c.after::text), 0))
                      OVER (ORDER BY c.seq) AS running_bytes
        FROM changes c WHERE c.seq > ${offset} ORDER BY c.seq LIMIT ${batchSize}
      ) b
      WHERE b.seq = (SELECT min(seq) FROM changes WHERE seq > ${offset}) OR b.running_bytes <= ${batchBytes}
      ORDER BY b.seq`.execute(db)
    if (batch.length === 0) return pause(idlePollMs, true)
    await publisher.publish(batch)
    const last = Number(batch[batch.length - 1]?.seq)
    const saved = await db
      .updateTable('outbox_offsets')
      .set({ last_seq: last, updated_at: sql`now()` })
      .where('relay', '=', RELAY)
      .where('last_seq', '<', last)
      .executeTakeFirst()
    if (Number(saved.numUpdatedRows) === 1) offset = last
    else {
      // The offset row is gone or ahead of this batch (another relay got further): go on from it.
      offset = await readOffset()
      throw new Error('the relay offset could not be saved')
    }
    events.published?.(batch.length)
    delay = backoff.minMs
  }

  const loop = (async () => {
    while (!stopped) {
      try {
        await step()
      } catch (error) {
        if (stopped) break
        events.failed?.(error)
        // Not woken by new changes: while the broker is away, writes must not turn into retries.
        await pause(delay * (0.5 + Math.random() / 2), false)
        delay = Math.min(delay * 2, backoff.maxMs)
      }
    }
  })()

  return {
    get leader() {
      return leader
    },
    /** Stops after the batch in flight, and lets go of the lock and the notifications. */
    async stop() {
      stopped = true
      interrupt?.()
      await loop
      await unlisten().catch(() => {})
      if (leader) await sql`SELECT pg_advisory_unlock(${RELAY_LOCK}::bigint)`.execute(db).catch(() => {})
      leader = false
      await session.close()
    },
  }
}

export type Relay = Awaited<ReturnType<typeof startRelay>>
