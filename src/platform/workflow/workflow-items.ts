import { sql } from 'kysely'
import type { Db } from '../../db/database.js'
import { type Precondition, satisfies } from '../../http/conditional.js'
import { type Counting, pageRequest } from '../../http/pagination.js'
import type { Actor } from '../auth/actor.js'
import { contextOf } from '../changes/changes.js'
import type { Items } from '../resources/items.js'
import type { DeclaredList, ListFilters } from '../resources/lists.js'
import { RESOURCES, type ResourceType } from '../resources/registry.js'
import type { OwnedRows } from '../resources/rows.js'
import { recordTransition, workflowStats } from './transitions.js'
import { invalidStart, invalidTransition, statusIs, type Workflow } from './workflow.js'

/** The columns every row of a workflow resource has (migration 0005). */
export interface WorkflowRow<S extends string> {
  id: number
  owner_id: number
  status: S
  status_changed_at: Date
  version: number
  created_at: Date
}

/** What a write changes: columns of the table, and perhaps the status (a move). */
export type Changes<S extends string> = Record<string, unknown> & { status?: S }

/** A request body: the resource's fields, and perhaps a status. */
type Body = Record<string, unknown> & { status?: string }

/**
 * Creating, reading, listing, changing and counting the items of a resource that follows a workflow
 * (applications, leads): the resource toolkit's reads and writes, with the workflow's rules.
 *
 * - A new item starts at the status it names if that is one of the workflow's starts (400 otherwise),
 *   else at the initial status; its first transition (from none) is recorded with it.
 * - A write that names a status is judged against the status the request found the item at (`from`):
 *   a move the workflow does not allow is a 409 `invalid_transition` listing the allowed ones. It is
 *   applied by the guarded UPDATE `… WHERE status = :from`, so of concurrent moves of one item the
 *   first to commit wins and the others match nothing: each is refused with 409 `invalid_transition`
 *   naming the status the item moved to meanwhile (If-Match, checked first, makes it a 412).
 * - A move sets `status_changed_at`, sets the columns the resource stamps when a status is entered
 *   (`stamps`: an application's `applied_at`) when the item would have no value in them, records its
 *   transition, and is recorded in the change log as `status_changed` (before and after).
 */
export function createWorkflowItems<S extends string, Row extends WorkflowRow<S>, New extends object>(deps: {
  type: ResourceType
  workflow: Workflow<S>
  db: Db
  lookups: Db
  items: Pick<Items, 'read' | 'create' | 'write'>
  rows: OwnedRows<Row, New>
  list: DeclaredList<Row>
  /** What a PUT sets the optional fields it leaves out to (`workflowSchemas().cleared`). */
  cleared: Record<string, null>
  /** The columns of a body's fields, where they differ (a lead's value is two columns). */
  columns?: (fields: Record<string, unknown>) => Record<string, unknown>
  /** Columns set to the time of the move when the item enters a status, if they have no value yet. */
  stamps?: Partial<Record<S, string>>
}) {
  const { type, workflow, items, rows, list } = deps
  const columnsOf = (body: Body): Changes<S> => {
    const { status, ...fields } = body
    const columns = deps.columns?.(fields) ?? fields
    return status === undefined ? columns : { ...columns, status: status as S }
  }
  const { table, label } = RESOURCES[type]
  const item = (id: number) => `${label} ${id}`

  /** The columns a status entered also sets: its stamp, if the item would otherwise have no value. */
  const stamped = (status: S, changes: Record<string, unknown>, before?: Row) => {
    const column = deps.stamps?.[status]
    if (column === undefined) return {}
    const value =
      column in changes ? changes[column] : (before as Record<string, unknown> | undefined)?.[column]
    return value == null ? { [column]: sql`now()` } : {}
  }

  const get = (actor: Actor, id: number): Promise<Row> =>
    items.read(type, actor, id, (db) => rows.findVisible(db, actor, id))

  return {
    get,

    async list(
      actor: Actor,
      query: ListFilters & Counting & { page?: number; page_size?: number; cursor?: string },
    ) {
      const sort = list.sort(query.ordering)
      return rows.list(deps.db, actor, list, query, pageRequest(query, sort), sort)
    },

    async create(actor: Actor, body: Body): Promise<Row> {
      const { status = workflow.initial, ...columns } = columnsOf(body)
      if (!workflow.canStart(status)) invalidStart(workflow, status)
      return items.create(
        type,
        contextOf(actor),
        (tx) =>
          rows.insert(tx, { ...columns, ...stamped(status, columns), status, owner_id: actor.id } as New),
        (tx, row) =>
          recordTransition(tx, {
            type,
            id: row.id,
            owner: row.owner_id,
            from: null,
            to: row.status,
            at: row.status_changed_at,
            fromAt: null,
          }),
      )
    },

    /** PUT: the fields replaced (an optional one left out is cleared), the status required. */
    replace: (actor: Actor, id: number, body: Body, precondition: Precondition) =>
      write(actor, id, precondition, columnsOf({ ...deps.cleared, ...body })),

    /** PATCH, a merge patch: absent fields are unchanged; an empty one honours If-Match. */
    update: (actor: Actor, id: number, patch: Body, precondition: Precondition) =>
      write(actor, id, precondition, columnsOf(patch)),

    /** The stats of the live items the actor may see that match the list's filters. */
    async stats(actor: Actor, filters: ListFilters) {
      const selected = list.where(
        deps.db.selectFrom(table as 'applications').select(['id', 'status', 'created_at']),
        actor,
        filters,
      )
      // One owner's items: the history is read through the owner index too.
      const owner = actor.role === 'admin' ? (filters.owner_id ?? null) : actor.id
      return workflowStats(deps.db, type, workflow, selected as never, owner)
    },
  }

  /** A write, with or without a move. */
  async function write(
    actor: Actor,
    id: number,
    precondition: Precondition,
    changes: Changes<S>,
  ): Promise<Row> {
    const { status: to, ...columns } = changes
    // The status the move is judged against: the item's, as this request finds it.
    const from = to === undefined ? undefined : (await get(actor, id)).status
    const moves = to !== undefined && to !== from
    return items.write(type, actor, id, precondition, {
      lock: (tx) => rows.lock(tx, actor, id),
      async apply(tx, before) {
        // If-Match first: a client with a stale view learns that before anything else (412).
        if (!satisfies(precondition, before.version)) return undefined
        if (from === undefined || to === undefined) return rows.update(tx, actor, id, columns, precondition)
        if (moves && !workflow.canMove(from, to)) invalidTransition(workflow, item(id), from, to)
        const set = moves
          ? { ...columns, ...stamped(to, columns, before), status: to, status_changed_at: sql`now()` }
          : columns
        const after = await rows.update(tx, actor, id, set, precondition, statusIs(table, from))
        // Another move won: the status is no longer the one this move was judged from.
        if (!after && before.status !== from) invalidTransition(workflow, item(id), before.status, to, from)
        return after
      },
      effects: async (tx, before, after) => {
        if (after.status === before.status) return
        await recordTransition(tx, {
          type,
          id,
          owner: after.owner_id,
          from: before.status,
          to: after.status,
          at: after.status_changed_at,
          fromAt: before.status_changed_at,
        })
      },
      action: moves ? 'status_changed' : 'updated',
    })
  }
}

export type WorkflowItems<S extends string, Row extends WorkflowRow<S>, New extends object> = ReturnType<
  typeof createWorkflowItems<S, Row, New>
>
