import type { Database } from '../../db/schema.js'

/**
 * The owned, archivable resources, by declaration: the table, the column naming the owning user (a user
 * owns itself), the parent whose delete cascades to it, and how messages name one. Everything shared
 * reads this table: ownership in every query, the archive (cascade, restore, purge), the change log's
 * trails and feed filter, the retention settings. Parents come before their children: the order in
 * which rows are locked.
 */
export const RESOURCES = {
  users: { table: 'users', owner: 'id', parent: null, label: 'User' },
  documents: { table: 'documents', owner: 'owner_id', parent: 'users', label: 'Document' },
  applications: { table: 'applications', owner: 'owner_id', parent: 'users', label: 'Application' },
  leads: { table: 'leads', owner: 'owner_id', parent: 'users', label: 'Lead' },
} as const satisfies Record<string, ResourceDeclaration>

interface ResourceDeclaration {
  table: keyof Database
  owner: string
  parent: string | null
  label: string
}

export type ResourceType = keyof typeof RESOURCES
export type ResourceTable = (typeof RESOURCES)[ResourceType]['table']

export const RESOURCE_TYPES = Object.keys(RESOURCES) as ResourceType[]

/** The types whose parent is `type`: what its delete, restore and purge carry along. */
export const childrenOf = (type: ResourceType): ResourceType[] =>
  RESOURCE_TYPES.filter((t) => RESOURCES[t].parent === type)

/** The user a row of `type` belongs to. */
export const ownerOf = (type: ResourceType, row: { [column: string]: unknown }) =>
  Number(row[RESOURCES[type].owner])
