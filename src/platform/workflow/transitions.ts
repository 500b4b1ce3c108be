import { type SelectQueryBuilder, sql } from 'kysely'
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

/**
 * The stats of the items `items` selects (their `id`, `status` and `created_at`: the live items the
 * actor may see, filtered), in one statement, so every figure comes from the same snapshot:
 *
 * - `by_status`: how many are at each status now (every status listed, 0 included);
 * - `funnel`: for each stage of the main path, how many reached it or a later stage (an item created
 *   past the first stage counts as having passed the ones before), and that as a share of `total`;
 * - `median_days`: for each step of the main path, over the items that made that move, the median of
 *   the days from entering the step's first stage to entering its second;
 * - `monthly`: per calendar month (UTC) in which something happened, the items created, and the items
 *   that entered each terminal status.
 */
export async function workflowStats<S extends string>(
  db: Db,
  type: ResourceType,
  workflow: Workflow<S>,
  // biome-ignore lint/suspicious/noExplicitAny: any table of a workflow resource
  items: SelectQueryBuilder<any, any, { id: number; status: S; created_at: Date }>,
): Promise<Stats<S>> {
  const path = sql`${sql.val([...workflow.path])}::text[]`
  const month = (column: string) => sql`to_char(${sql.ref(column)} AT TIME ZONE 'UTC', 'YYYY-MM')`
  const { rows } = await sql<{ kind: string; a: string; b: string | null; n: number; m: number | null }>`
    WITH items AS MATERIALIZED (${items}),
    moves AS MATERIALIZED (
      SELECT t.resource_id, t.from_status, t.to_status, t.at
      FROM workflow_transitions t JOIN items i ON i.id = t.resource_id
      WHERE t.resource_type = ${type})
    SELECT 'status' AS kind, status AS a, NULL AS b, count(*)::float8 AS n, NULL::float8 AS m
    FROM items GROUP BY status
    UNION ALL
    SELECT 'stage', stage::text, NULL, count(*), NULL FROM (
      SELECT max(array_position(${path}, to_status)) AS stage FROM moves GROUP BY resource_id) furthest
    WHERE stage IS NOT NULL GROUP BY stage
    UNION ALL
    SELECT 'step', step.from_status, step.to_status, count(*),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM step.at - entered.at))
    FROM moves step JOIN moves entered
      ON entered.resource_id = step.resource_id AND entered.to_status = step.from_status
    WHERE array_position(${path}, step.to_status) = array_position(${path}, step.from_status) + 1
    GROUP BY step.from_status, step.to_status
    UNION ALL
    SELECT 'created', ${month('created_at')}, NULL, count(*), NULL FROM items GROUP BY 2
    UNION ALL
    SELECT 'ended', ${month('at')}, to_status, count(*), NULL FROM moves
    WHERE to_status = ANY(${sql.val([...workflow.terminal])}::text[]) GROUP BY 2, 3`.execute(db)

  const zero = <K extends string>(keys: readonly K[]) =>
    Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>
  const byStatus = zero(workflow.statuses)
  const furthest = new Map<number, number>()
  const steps = new Map<string, { moves: number; seconds: number }>()
  const months = new Map<string, { created: number; ended: Record<S, number> }>()
  const monthOf = (m: string) => {
    const entry = months.get(m) ?? { created: 0, ended: zero(workflow.terminal) }
    months.set(m, entry)
    return entry
  }
  for (const row of rows) {
    const n = Number(row.n)
    if (row.kind === 'status') byStatus[row.a as S] = n
    else if (row.kind === 'stage') furthest.set(Number(row.a) - 1, n)
    else if (row.kind === 'step') steps.set(`${row.a}→${row.b}`, { moves: n, seconds: Number(row.m) })
    else if (row.kind === 'created') monthOf(row.a).created = n
    else if (row.kind === 'ended') monthOf(row.a).ended[row.b as S] = n
  }
  const total = Object.values<number>(byStatus).reduce((sum, n) => sum + n, 0)
  const funnel = workflow.path.map((status, i) => {
    let reached = 0
    for (const [stage, n] of furthest) if (stage >= i) reached += n
    return { status, reached, share: total === 0 ? 0 : round(reached / total, 4) }
  })
  return {
    total,
    by_status: byStatus,
    funnel,
    median_days: workflow.path.slice(0, -1).map((from, i) => {
      const to = workflow.path[i + 1] as S
      const step = steps.get(`${from}→${to}`)
      return { from, to, moves: step?.moves ?? 0, median_days: step ? round(step.seconds / 86_400, 2) : null }
    }),
    monthly: [...months.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([month, counts]) => ({ month, ...counts })),
  }
}
