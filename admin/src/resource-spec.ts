import type { ComponentType, ReactElement } from 'react'
import type { RaRecord } from 'react-admin'

/** How a field is shown and edited. */
export type FieldKind =
  | 'id'
  | 'text'
  | 'email'
  | 'longtext'
  | 'datetime'
  | 'choice'
  | 'user'
  | 'tags'
  | 'password'
  | 'url'
  | 'money'

export interface FieldSpec {
  /** The property of the API's representation. */
  source: string
  label: string
  kind: FieldKind
  /** For `choice`: the allowed values, as the API's enum lists them. */
  choices?: readonly string[]
  /** A column of the list page (else shown on the item page only). */
  list?: boolean
  /** The API orders lists by it (`ordering=source` and `-source`). */
  sortable?: boolean
  /** Sent on create / on edit, and whether it must be filled in; absent: read-only there. */
  create?: 'required' | 'optional'
  edit?: 'required' | 'optional'
  /** On edit, an emptied field is sent as `null` (the API clears it) rather than `""`. */
  nullable?: boolean
  /** Help under the input. */
  help?: string
}

/** `choices`: several values at once, sent comma-separated (`status=saved,applied`). */
export type FilterKind = 'search' | 'text' | 'choice' | 'choices' | 'date' | 'id'

export interface FilterSpec {
  /** The query parameter. */
  source: string
  label: string
  kind: FilterKind
  choices?: readonly string[]
  alwaysOn?: boolean
}

/** A list of other items on the item page: `resource` items whose `target` parameter is this item's id. */
export interface RelatedSpec {
  label: string
  resource: string
  target: string
}

/** A page of its own, with its menu entry (an applications board, a chart). */
export interface PageSpec {
  path: string
  label: string
  icon: ComponentType
  element: ReactElement
}

/**
 * One resource of the API, declared once: the console builds its list (columns, filters, sorting,
 * pagination), item page (fields, related lists, audit trail), forms, archive pages and feed filter from
 * it. Adding a resource to the console is adding one of these to `RESOURCES` (resources.tsx).
 */
export interface ResourceSpec {
  /** The API's collection (`/api/v1/{name}`), the change log's `resource_type`, the console's route. */
  name: string
  /** Plural and singular, for titles and messages. */
  label: string
  singular: string
  icon: ComponentType
  fields: FieldSpec[]
  filters: FilterSpec[]
  /** The list's order when the operator has chosen none. */
  defaultSort?: { field: string; order: 'ASC' | 'DESC' }
  /** How one item is named in titles, links and messages. */
  title: (record: RaRecord) => string
  /** Reversible deletes: `DELETE` archives, and `/{name}/deleted` is its archive. */
  archivable: boolean
  /** What deleting one does, for its confirmation (default: it goes to the archive). */
  archiveNote?: string
  /** What purging one does, for its typed confirmation (a user's purge is an erasure). */
  purgeWarning?: string
  /** The item can be created from the console. */
  creatable: boolean
  related?: RelatedSpec[]
  /** More tabs on the item page (a document's aliases). */
  tabs?: { label: string; path: string; element: ReactElement }[]
  /** Pages of their own for this resource. */
  pages?: PageSpec[]
  /** More archive pages for this resource (a document's reserved aliases), as list resources of their own. */
  archiveExtras?: ExtraListSpec[]
  /**
   * A status workflow (applications, leads): its statuses in the API's order, as openapi.json lists them
   * (api/openapi.ts). The API alone judges a move (`409 invalid_transition` lists the allowed ones).
   */
  workflow?: WorkflowSpec
}

export interface WorkflowSpec {
  /** The property holding the status. */
  field: string
  statuses: readonly string[]
  /** What one card of the board shows under its title. */
  subtitle?: (record: RaRecord) => string
}

/** A read-only list of the API that is not a collection of items with ids (reserved aliases). */
export interface ExtraListSpec {
  name: string
  label: string
  list: ComponentType
  /** The API path, under /api/v1. */
  path: string
  /** The property that identifies an entry. */
  idField: string
  sortable: string[]
}

/** The react-admin resource of a type's archive (`GET /{type}/deleted`). */
export const archiveResource = (type: string) => `archive-${type}`
export const archivedType = (resource: string) =>
  resource.startsWith('archive-') ? resource.slice('archive-'.length) : null

/** Field names the API writes on create or edit. */
export const writable = (spec: ResourceSpec, mode: 'create' | 'edit') => spec.fields.filter((f) => f[mode])
