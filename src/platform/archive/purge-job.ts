import { sql } from 'kysely'
import type { Db } from '../../db/database.js'
import { recordChanges, SYSTEM } from '../changes/changes.js'
import { ARCHIVABLE, type ArchiveType, type ErasureHook, purgeItems } from './archive.js'

export interface PurgeResult {
  purged: Record<ArchiveType, number>
  batches: number
}

/**
 * Purges every archived item whose `purge_at` has passed, in batches of `batchSize`, one short
 * transaction each, so the API never waits behind a long purge. Rows are claimed with
 * `FOR UPDATE SKIP LOCKED`: several instances (or `custodian purge` next to a running service) can
 * run it at once; each row is purged by exactly one of them, and none waits for the others
 * (except for the children of a claimed parent, which are locked and purged with it).
 */
export async function purgeExpired(
  db: Db,
  options: { batchSize: number; erasureHooks?: ErasureHook[]; now?: Date },
): Promise<PurgeResult> {
  const now = options.now ?? new Date()
  const purged = Object.fromEntries(Object.keys(ARCHIVABLE).map((t) => [t, 0])) as Record<ArchiveType, number>
  let batches = 0
  for (const type of Object.keys(ARCHIVABLE) as ArchiveType[]) {
    const { table } = ARCHIVABLE[type]
    for (;;) {
      const done = await db.transaction().execute(async (tx) => {
        const { rows } = await sql<{ id: number }>`
          SELECT id FROM ${sql.table(table)}
          WHERE deleted_at IS NOT NULL AND purge_at <= ${now}
          ORDER BY purge_at, id
          LIMIT ${options.batchSize}
          FOR UPDATE SKIP LOCKED`.execute(tx)
        if (rows.length === 0) return {}
        const { purged: done, changes } = await purgeItems(
          tx,
          type,
          rows.map((r) => Number(r.id)),
          options.erasureHooks,
        )
        await recordChanges(tx, SYSTEM, changes)
        return done
      })
      if (!done[type]?.length) break
      // A purged user's documents count as purged documents, whatever their own purge_at said.
      for (const [t, ids] of Object.entries(done)) purged[t as ArchiveType] += ids.length
      batches++
    }
  }
  return { purged, batches }
}

/**
 * Runs `purgeExpired` every `intervalMs` in the process (never two runs at once here; other
 * instances are kept apart by row locks). `stop()` waits for a run in progress to finish.
 */
export function startPurgeJob(
  run: () => Promise<unknown>,
  options: { intervalMs: number; onError: (error: unknown) => void },
) {
  let running: Promise<unknown> | null = null
  const tick = () => {
    if (running !== null) return
    running = run()
      .catch(options.onError)
      .finally(() => {
        running = null
      })
  }
  const timer = setInterval(tick, options.intervalMs)
  timer.unref()
  return {
    async stop() {
      clearInterval(timer)
      await running
    },
  }
}
