import { type RawBuilder, sql } from 'kysely'
import { AppError, fail } from '../../http/problem.js'

/**
 * A status workflow, as data: the one table behind a resource's `status` enum in the API, the CHECK
 * of its column in the database (`statusCheck`), the moves the service allows (`allowed`), and the
 * stages its stats count (`path`).
 */
export interface WorkflowTable<S extends string> {
  /** Every status, in the order the API lists them. */
  statuses: readonly S[]
  /** The status of an item created without one. */
  initial: S
  /** The statuses an item may be created at; `initial` is one of them. */
  starts: readonly S[]
  /** The main path, from the first stage to success: the stages of the funnel. */
  path: readonly S[]
  /** Every allowed move, from each status; a terminal status has none. */
  transitions: { readonly [K in S]: readonly S[] }
  /** The statuses an item ends in: exactly those no move leaves. */
  terminal: readonly S[]
}

export interface Workflow<S extends string = string> extends WorkflowTable<S> {
  /** How messages name the workflow: `application status`. */
  name: string
  /** The statuses a move from `from` may go to, in the table's order. */
  allowed(from: S): readonly S[]
  canMove(from: S, to: S): boolean
  isTerminal(status: S): boolean
  /** Whether `status` may be the status of a new item. */
  canStart(status: S): boolean
}

/**
 * What is wrong with a table, as sentences (empty when nothing is). Besides consistency (every name a
 * status, terminal statuses exactly those without moves, the path a chain of allowed moves), two
 * properties the rest of the service relies on: every status can be reached from a start, and no
 * move ever leads back to a status the item had (the graph is acyclic), so an item enters each
 * status at most once — the key of the transitions table and the basis of the stats.
 */
export function problemsOf<S extends string>(table: WorkflowTable<S>): string[] {
  const problems: string[] = []
  const known = new Set<string>(table.statuses)
  const unknown = (where: string, names: readonly string[]) => {
    for (const name of names) if (!known.has(name)) problems.push(`${where}: ${name} is not a status`)
  }
  if (known.size !== table.statuses.length) problems.push('statuses: a status is listed twice')
  unknown('initial', [table.initial])
  unknown('starts', table.starts)
  unknown('path', table.path)
  unknown('terminal', table.terminal)
  if (!table.starts.includes(table.initial))
    problems.push(`starts: must include the initial ${table.initial}`)
  for (const start of table.starts)
    if (!table.path.includes(start)) problems.push(`starts: ${start} is not a stage of the path`)
  unknown('transitions', Object.keys(table.transitions))
  for (const status of table.statuses) {
    const moves = table.transitions[status]
    if (moves === undefined) {
      problems.push(`transitions: ${status} has no entry`)
      continue
    }
    unknown(`transitions of ${status}`, moves)
    if (moves.includes(status)) problems.push(`transitions: ${status} moves to itself`)
    if (new Set(moves).size !== moves.length) problems.push(`transitions: ${status} lists a move twice`)
    const terminal = table.terminal.includes(status)
    if (terminal && moves.length > 0) problems.push(`terminal: ${status} has moves`)
    if (!terminal && moves.length === 0) problems.push(`terminal: ${status} has no moves but is not terminal`)
  }
  table.path.forEach((stage, i) => {
    const next = table.path[i + 1]
    if (next !== undefined && !table.transitions[stage]?.includes(next))
      problems.push(`path: ${stage} → ${next} is not a move`)
  })
  // The stats tell how far an item got by the stage it left the path from: off the path, a status ends.
  for (const status of table.statuses)
    if (!table.path.includes(status) && !table.terminal.includes(status))
      problems.push(`terminal: ${status} is off the path, so it must be terminal`)
  const last = table.path.at(-1)
  if (last === undefined || !table.terminal.includes(last))
    problems.push('path: must end in a terminal status')
  if (problems.length > 0) return problems

  // Reachability from the starts, and cycles (a depth-first search that meets a status on its stack).
  const reached = new Set<S>()
  const onStack = new Set<S>()
  const visit = (status: S) => {
    if (onStack.has(status)) {
      problems.push(`transitions: a cycle passes through ${status}`)
      return
    }
    if (reached.has(status)) return
    reached.add(status)
    onStack.add(status)
    for (const next of table.transitions[status]) visit(next)
    onStack.delete(status)
  }
  for (const start of table.starts) visit(start)
  for (const status of table.statuses)
    if (!reached.has(status)) problems.push(`transitions: ${status} cannot be reached from a start`)
  return problems
}

/** A workflow from its table, checked once when the module loads: a wrong table stops the service. */
export function defineWorkflow<const S extends string>(name: string, table: WorkflowTable<S>): Workflow<S> {
  const problems = problemsOf(table)
  if (problems.length > 0) throw new Error(`The ${name} workflow is wrong:\n  ${problems.join('\n  ')}`)
  return {
    name,
    ...table,
    allowed: (from) => table.transitions[from] ?? [],
    canMove: (from, to) => (table.transitions[from] ?? []).includes(to),
    isTerminal: (status) => table.terminal.includes(status),
    canStart: (status) => table.starts.includes(status),
  }
}

/**
 * 409 `invalid_transition`: the item cannot move from `current` to `requested`. The body names both
 * and lists the moves allowed from `current` (empty once terminal), so a client can offer them. With
 * `judgedFrom`, the move was judged from that status and the item left it while the request ran
 * (another move won the race): the request's move may well be allowed from `current`, but it was not
 * made from there, so the client decides again.
 */
export function invalidTransition<S extends string>(
  workflow: Workflow<S>,
  item: string,
  current: S,
  requested: S,
  judgedFrom?: S,
): never {
  const allowed = workflow.allowed(current)
  const options = allowed.length > 0 ? `it can move to ${allowed.join(', ')}` : `${current} is terminal`
  const detail =
    judgedFrom === undefined
      ? `${item} is ${current}: ${current} → ${requested} is not a move of the ${workflow.name} workflow; ${options}.`
      : `${item} moved from ${judgedFrom} to ${current} while this request moved it to ${requested}; from ${current}, ${options}.`
  throw new AppError('invalid_transition', detail, { current, requested, allowed: [...allowed] })
}

/** 400 for a status an item cannot be created at. */
export function invalidStart<S extends string>(workflow: Workflow<S>, status: S): never {
  return fail.validation([
    {
      pointer: '/status',
      detail: `${status} is not a start: a new item starts at one of ${workflow.starts.join(', ')}`,
    },
  ])
}

/**
 * The CHECK of a status column, from the table: the database refuses any other value. Migrations
 * build it from the workflow; a workflow gaining a status needs a migration that rebuilds it.
 */
export const statusCheck = (workflow: Workflow, column = 'status'): RawBuilder<unknown> =>
  sql`CHECK (${sql.ref(column)} IN (${sql.join(workflow.statuses.map((s) => sql.lit(s)))}))`

/**
 * The guard of a move inside its UPDATE: the row still has the status the move was judged against.
 * Of concurrent moves of one item, the first to commit changes the status and the others match
 * nothing.
 */
export const statusIs = (table: string, from: string): RawBuilder<boolean> =>
  sql<boolean>`${sql.ref(`${table}.status`)} = ${from}`
