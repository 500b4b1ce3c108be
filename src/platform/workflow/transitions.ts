import { type RawBuilder, type SelectQueryBuilder, sql } from 'kysely'
import type { Db } from '../../db/database.js'
import type { ArchiveHook } from '../archive/archive.js'
import type { ResourceType } from '../resources/registry.js'
import type { Workflow } from './workflow.js'

/** One status an item entered: from `from` (null when it was created at `to`), at `at`. */
export interface Transition {
  type: ResourceType
  id: number
  owner: number
  from: string | null
  to: string
  at: Date
  /** When the item entered `from` (null for the creation): how long it stayed there is `at - fromAt`. */
  fromAt: Date | null
}

/**
 * Keeps the history of statuses the stats count, in the transaction of the move (or of the creation),
 * so it never disagrees with the items: a move that rolls back leaves no transition.
 */
export async function recordTransition(tx: Db, t: Transition): Promise<void> {
  await tx
    .insertInto('workflow_transitions')
    .values({
      resource_type: t.type,
      resource_id: t.id,
      owner_id: t.owner,
      from_status: t.from,
      to_status: t.to,
      at: t.at,
      from_at: t.fromAt,
    })
    .execute()
}

/** The archive's hook: a purged item's history goes with it, in the purge's transaction. */
export const eraseTransitions: ArchiveHook = {
  async during(tx, event) {
    if (event.action !== 'purged') return
    await tx
      .deleteFrom('workflow_transitions')
      .where('resource_type', '=', event.type)
      .where(sql<boolean>`resource_id = ANY(${sql.val(event.ids)}::bigint[])`)
      .execute()
  },
}

/** The figures of `GET /{type}/stats` (see the README of this folder for their definitions). */
export interface Stats<S extends string = string> {
  total: number
  by_status: Record<S, number>
  funnel: { status: S; reached: number; share: number }[]
  median_days: { from: S; to: S; moves: number; median_days: number | null }[]
  monthly: { month: string; created: number; ended: Record<S, number> }[]
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits

type Row = {
  kind: 'status' | 'stage' | 'created' | 'ended' | 'step'
  status: string | null
  stage: number | null
  month: string | null
  n: number
  seconds: number | null
}

/**
 * The stats of the items `items` selects (their `id`, `status` and `created_at`: the live items the
 * actor may see, filtered), in one statement, so every figure comes from the same snapshot:
 *
 * - `by_status`: how many are at each status now (every status listed, 0 included);
 * - `funnel`: for each stage of the main path, how many reached it or a later stage, and that as a
 *   share of `total`. An item's furthest stage is its status when on the path (an item created past
 *   the first stage has passed the ones before), else the stage it left the path from: statuses off
 *   the path are terminal (`defineWorkflow` checks it), so the move into one says where it stopped;
 * - `median_days`: for each step of the main path, over the items that made that move, the median of
 *   the days from entering the step's first stage to entering its second (`at - from_at` of the move);
 * - `monthly`: per calendar month (UTC) in which something happened, the items created, and the items
 *   that entered each terminal status.
 *
 * The history is read only where it is needed: the move into the status of each ended item (by the
 * key), and the moves along the path. `owner`, when the items all belong to one user (a user's own
 * stats, or an admin's owner_id), narrows those reads by the owner index as well.
 */
export async function workflowStats<S extends string>(
  db: Db,
  type: ResourceType,
  workflow: Workflow<S>,
  // biome-ignore lint/suspicious/noExplicitAny: any table of a workflow resource
  items: SelectQueryBuilder<any, any, { id: number; status: S; created_at: Date }>,
  owner: number | null,
): Promise<Stats<S>> {
  const list = (values: readonly string[]) => sql.join(values.map((v) => sql.lit(v)))
  const path = sql`ARRAY[${list(workflow.path)}]::text[]`
  const steps = workflow.path.slice(0, -1).map((from, i) => [from, workflow.path[i + 1] as S] as const)
  const ownedBy = owner === null ? sql`true` : sql`t.owner_id = ${owner}`
  const month = (instant: RawBuilder<unknown>) =>
    sql`to_char(date_trunc('month', ${instant} AT TIME ZONE 'UTC'), 'YYYY-MM')`
  const statement = sql<Row>`
    WITH items AS MATERIALIZED (${items}),
    ends AS MATERIALIZED (
      SELECT i.status, i.created_at, t.at AS ended_at,
             coalesce(array_position(${path}, i.status), array_position(${path}, t.from_status)) AS stage
      FROM items i LEFT JOIN workflow_transitions t
        ON t.resource_type = ${type} AND t.resource_id = i.id AND t.to_status = i.status
       AND t.to_status IN (${list(workflow.terminal)}) AND ${ownedBy}),
    moves AS (
      SELECT array_position(${path}, t.to_status) - 1 AS step, date_part('epoch', t.at - t.from_at) AS seconds
      FROM items i JOIN workflow_transitions t ON t.resource_type = ${type} AND t.resource_id = i.id
      WHERE (t.from_status, t.to_status) IN (${sql.join(steps.map(([a, b]) => sql`(${sql.lit(a)}, ${sql.lit(b)})`))})
        AND ${ownedBy}),
    -- One pass over the moves, each step's median sorting only its own durations.
    steps AS (
      SELECT ${sql.join(
        steps.map(
          (_, i) => sql`count(*) FILTER (WHERE step = ${sql.lit(i + 1)}) AS ${sql.id(`n${i}`)},
            percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE step = ${sql.lit(i + 1)}) AS ${sql.id(`m${i}`)}`,
        ),
      )}
      FROM moves)
    SELECT 'status' AS kind, status, NULL::int AS stage, NULL AS month, count(*) AS n, NULL::float8 AS seconds
    FROM ends GROUP BY status
    UNION ALL
    SELECT 'stage', NULL, stage, NULL, count(*), NULL FROM ends GROUP BY stage
    UNION ALL
    SELECT 'created', NULL, NULL, ${month(sql`created_at`)}, count(*), NULL
    FROM ends GROUP BY date_trunc('month', created_at AT TIME ZONE 'UTC')
    UNION ALL
    SELECT 'ended', status, NULL, ${month(sql`ended_at`)}, count(*), NULL
    FROM ends WHERE ended_at IS NOT NULL GROUP BY date_trunc('month', ended_at AT TIME ZONE 'UTC'), status
    UNION ALL
    SELECT 'step', NULL, v.step, NULL, v.n, v.seconds
    FROM steps CROSS JOIN LATERAL (VALUES ${sql.join(
      steps.map((_, i) => sql`(${sql.lit(i)}, ${sql.id(`n${i}`)}, ${sql.id(`m${i}`)})`),
    )}) AS v(step, n, seconds)`
  // Planned for its parameters every time: a prepared statement's generic plan, chosen after five runs,
  // cannot know that an owner holds a tenth of the rows and scanned everything (100× slower, measured).
  const rows = await db.transaction().execute(async (tx) => {
    await sql`SET LOCAL plan_cache_mode = force_custom_plan`.execute(tx)
    return (await statement.execute(tx)).rows
  })

  const zero = <K extends string>(keys: readonly K[]) =>
    Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>
  const byStatus = zero(workflow.statuses)
  const furthest = new Map<number, number>()
  const months = new Map<string, { created: number; ended: Record<S, number> }>()
  const monthOf = (m: string) => {
    const entry = months.get(m) ?? { created: 0, ended: zero(workflow.terminal) }
    months.set(m, entry)
    return entry
  }
  const medians = new Map<number, { moves: number; seconds: number | null }>()
  for (const row of rows) {
    const n = Number(row.n)
    if (row.kind === 'status') byStatus[row.status as S] = n
    else if (row.kind === 'stage') furthest.set(Number(row.stage) - 1, n)
    else if (row.kind === 'created') monthOf(row.month as string).created = n
    else if (row.kind === 'ended') monthOf(row.month as string).ended[row.status as S] = n
    else if (row.kind === 'step')
      medians.set(Number(row.stage), { moves: n, seconds: row.seconds === null ? null : Number(row.seconds) })
  }
  const total = Object.values<number>(byStatus).reduce((sum, n) => sum + n, 0)
  return {
    total,
    by_status: byStatus,
    funnel: workflow.path.map((status, i) => {
      let reached = 0
      for (const [stage, n] of furthest) if (stage >= i) reached += n
      return { status, reached, share: total === 0 ? 0 : round(reached / total, 4) }
    }),
    median_days: steps.map(([from, to], i) => {
      const step = medians.get(i)
      const seconds = step?.seconds ?? null
      return {
        from,
        to,
        moves: step?.moves ?? 0,
        median_days: seconds === null ? null : round(seconds / 86_400, 2),
      }
    }),
    monthly: [...months.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([month, counts]) => ({ month, ...counts })),
  }
}
