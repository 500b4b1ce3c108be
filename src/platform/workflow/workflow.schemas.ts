import { type TOptional, type TProperties, type TSchema, Type } from 'typebox'
import { Id, Identity, outputOf, Timestamp, Timestamps } from '../../http/schemas.js'
import type { Workflow } from './workflow.js'

/** A schema that also takes null. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

const optionals = <O extends TProperties>(properties: O) =>
  Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, Type.Optional(v)])) as {
    [K in keyof O]: TOptional<O[K]>
  }

/**
 * The schemas of a resource that follows a workflow, from its fields: `required` ones, and `optional`
 * ones (nullable: null when unknown). The representation (under `$id`) has them all, its status,
 * `status_changed_at`, owner and timestamps. POST takes the fields and a status among the starts; PUT
 * replaces the fields (an optional one left out becomes null: `cleared`) and requires the status; PATCH
 * is a JSON merge patch of the same. Unknown body fields are refused.
 */
export function workflowSchemas<S extends string, R extends TProperties, O extends TProperties>(options: {
  $id: string
  workflow: Workflow<S>
  required: R
  optional: O
}) {
  const { $id, workflow, required, optional } = options
  const Status = Type.Enum(workflow.statuses)
  const replace = Type.Object(
    { ...required, status: Status, ...optionals(optional) },
    { additionalProperties: false },
  )
  return {
    item: Type.Object(
      {
        ...Identity,
        ...outputOf(required),
        ...outputOf(optional),
        status: Status,
        status_changed_at: { ...Timestamp, description: 'When the status last changed (or the creation)' },
        owner_id: Id,
        ...Timestamps,
      },
      { $id },
    ),
    /** What routes answer with: a reference to the representation (see UserRef). */
    ref: Type.Ref($id),
    create: Type.Object(
      {
        ...required,
        status: Type.Optional(
          Type.Enum(workflow.starts, {
            default: workflow.initial,
            description: `Where it starts: ${workflow.starts.join(' or ')}`,
          }),
        ),
        ...optionals(optional),
      },
      { additionalProperties: false },
    ),
    replace,
    update: Type.Partial(replace, { additionalProperties: false }),
    /** What a PUT sets the optional fields it leaves out to. */
    cleared: Object.fromEntries(Object.keys(optional).map((k) => [k, null])) as { [K in keyof O]: null },
  }
}

const Count = Type.Integer({ minimum: 0 })
const counts = (keys: readonly string[], description: string) =>
  Type.Object(Object.fromEntries(keys.map((k) => [k, Count])), { description })

/** The body of `GET /{type}/stats` for a workflow (definitions in src/platform/workflow/README.md). */
export function StatsSchema(workflow: Workflow) {
  const Status = Type.Enum(workflow.statuses)
  return Type.Object({
    total: Type.Integer({ minimum: 0, description: 'Live items counted (those the filters select)' }),
    by_status: counts(workflow.statuses, 'Items at each status now'),
    funnel: Type.Array(
      Type.Object({
        status: Status,
        reached: Type.Integer({ minimum: 0, description: 'Items that reached this stage or a later one' }),
        share: Type.Number({ minimum: 0, maximum: 1, description: 'reached ÷ total, to 4 decimals' }),
      }),
      { description: 'The stages of the main path, in order' },
    ),
    median_days: Type.Array(
      Type.Object({
        from: Status,
        to: Status,
        moves: Type.Integer({ minimum: 0, description: 'Items that made this move' }),
        median_days: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
          description: 'Median days from entering `from` to entering `to`, to 2 decimals; null without moves',
        }),
      }),
      { description: 'Each step of the main path, in order' },
    ),
    monthly: Type.Array(
      Type.Object({
        month: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}$', description: 'YYYY-MM, UTC' }),
        created: Type.Integer({ minimum: 0, description: 'Items created that month' }),
        ended: counts(workflow.terminal, 'Items that entered each terminal status that month'),
      }),
      { description: 'Months in which an item was created or ended, oldest first' },
    ),
  })
}
