import { type SelectQueryBuilder, sql } from 'kysely'
import { type TProperties, Type } from 'typebox'
import { nullableTimestampKey, type Sort, type SortKey, sortFor, timestampKey } from '../../db/pagination.js'
import { Id, IdAndCreationFilters, OneOrMore, PageQuery, Text, TimestampInput } from '../../http/schemas.js'
import type { Actor } from '../auth/actor.js'
import { live, ownedBy } from './queries.js'
import { RESOURCES, type ResourceType } from './registry.js'
import { likePattern } from './search.js'

/** How a column sorts: as text, as a timestamp, or as a timestamp that may be missing (sorted last). */
export type SortKind = 'text' | 'timestamp' | 'nullable timestamp'

/**
 * What a list of an owned resource accepts, by declaration: each filter and ordering names a column of
 * the resource's table, so one declaration gives the query string's schema (validation and OpenAPI)
 * and the query that applies it. Every list is paged (numbers or cursors), scoped to what the actor
 * may see, and has `owner_id`, `since_id` and `max_id`.
 */
export interface ListDeclaration {
  type: ResourceType
  /** `search`: a case-insensitive fragment (≥ 3 characters, `%` and `_` literal) of any of these columns. */
  search: { columns: readonly string[]; description: string }
  /** `column=a,b` (or repeated): items whose column is one of the values. */
  oneOf?: Record<string, { values: readonly string[]; description: string }>
  /** `column=value`: items whose column equals it, case-insensitively. */
  exact?: Record<string, string>
  /** For each timestamp column `x_at`: `x_after` and `x_before` (both exclusive). */
  windows: readonly `${string}_at`[]
  /** The orderings besides `id`, by column; `-` for descending, ties broken by id. */
  orderings: Record<string, SortKind>
}

/** The filters a declared list was given, as its query schema validated them. */
export interface ListFilters {
  search?: string
  owner_id?: number
  since_id?: number
  max_id?: number
  ordering?: string
  [filter: string]: unknown
}

const windowName = (column: string, bound: 'after' | 'before') => `${column.replace(/_at$/, '')}_${bound}`

/**
 * A declared list: `filters` (the query parameters, for a route's schema, without paging and
 * ordering: the stats take them too), `query` (all of them), `sort` and `where` (what the SQL of a
 * page needs).
 */
export function declareList<Row extends { id: number }>(declaration: ListDeclaration) {
  const { type, search, oneOf = {}, exact = {}, windows, orderings } = declaration
  const { table, owner } = RESOURCES[type]
  const column = (name: string) => sql.ref(`${table}.${name}`)

  const filters: TProperties = {
    search: Type.Optional(Text({ minLength: 3, maxLength: 100, description: search.description })),
    ...Object.fromEntries(
      Object.entries(oneOf).map(([name, { values, description }]) => [
        name,
        Type.Optional(OneOrMore(values, description)),
      ]),
    ),
    ...Object.fromEntries(
      Object.entries(exact).map(([name, description]) => [
        name,
        Type.Optional(Text({ maxLength: 200, description: `${description} (exact, case-insensitive)` })),
      ]),
    ),
    owner_id: Type.Optional(
      Type.Integer({ ...Id, description: 'Only items of this owner (admins; a user only has their own)' }),
    ),
    since_id: IdAndCreationFilters.since_id,
    max_id: IdAndCreationFilters.max_id,
    ...Object.fromEntries(
      windows.flatMap((name) => [
        [
          windowName(name, 'after'),
          Type.Optional(TimestampInput(`Only items whose ${name} is after this time`)),
        ],
        [
          windowName(name, 'before'),
          Type.Optional(TimestampInput(`Only items whose ${name} is before this time`)),
        ],
      ]),
    ),
  }
  const names = ['id', ...Object.keys(orderings)]
  const query = {
    ...PageQuery,
    ...filters,
    ordering: Type.Optional(
      Type.Enum(
        names.flatMap((o) => [o, `-${o}`]),
        { default: 'id', description: '`-` for descending; ties broken by id' },
      ),
    ),
  }

  const keys: Record<string, SortKey<Row>> = { id: { expression: null, value: (row) => row.id } }
  const field = (row: Row, name: string) => (row as unknown as Record<string, unknown>)[name]
  for (const [name, kind] of Object.entries(orderings)) {
    const ref = `${table}.${name}`
    keys[name] =
      kind === 'text'
        ? { expression: sql`${sql.ref(ref)}`, value: (row) => String(field(row, name)) }
        : kind === 'timestamp'
          ? timestampKey(sql`${sql.ref(ref)}`, (row) => field(row, name) as Date)
          : nullableTimestampKey(ref, (row) => field(row, name) as Date | null)
  }

  return {
    /** The filters, for a route's query schema. */
    filters,
    /** Filters, paging and ordering: the list route's query schema. */
    query,
    sort: (ordering: string | undefined): Sort<Row> => sortFor(keys, ordering ?? 'id'),

    /** The live items the actor may see that match the filters. */
    // biome-ignore lint/suspicious/noExplicitAny: the declaration's table, whichever it is
    where<Q extends SelectQueryBuilder<any, any, any>>(q: Q, actor: Actor, f: ListFilters): Q {
      let out = q.where(live(table)).where(ownedBy(type, actor))
      const is = (name: string, op: string, value: unknown) => {
        out = out.where(sql<boolean>`${column(name)} ${sql.raw(op)} ${value}`)
      }
      if (f.owner_id !== undefined) is(owner, '=', f.owner_id)
      if (f.since_id !== undefined) is('id', '>', f.since_id)
      if (f.max_id !== undefined) is('id', '<', f.max_id)
      for (const name of windows) {
        const after = f[windowName(name, 'after')]
        const before = f[windowName(name, 'before')]
        if (typeof after === 'string') is(name, '>', new Date(after))
        if (typeof before === 'string') is(name, '<', new Date(before))
      }
      for (const name of Object.keys(oneOf)) {
        const values = f[name]
        if (Array.isArray(values))
          out = out.where(sql<boolean>`${column(name)} = ANY(${sql.val(values)}::text[])`)
      }
      for (const name of Object.keys(exact)) {
        const value = f[name]
        if (typeof value === 'string')
          out = out.where(sql<boolean>`lower(${column(name)}) = ${value.toLowerCase()}`)
      }
      if (f.search !== undefined) {
        const pattern = likePattern(f.search)
        out = out.where(
          sql<boolean>`(${sql.join(
            search.columns.map((c) => sql`lower(${column(c)}) LIKE ${pattern}`),
            sql` OR `,
          )})`,
        )
      }
      return out as Q
    },
  }
}

export type DeclaredList<Row extends { id: number }> = ReturnType<typeof declareList<Row>>
