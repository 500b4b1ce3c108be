import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'
import type { ApplicationStatus } from '../modules/applications/status-workflow.js'
import type { LeadStatus } from '../modules/leads/status-workflow.js'
import type { ChangeAction } from '../platform/changes/actions.js'

/** Row types of the tables, as the migrations create them. Ids are bigint identities read as numbers. */
export interface Database {
  users: UsersTable
  tokens: TokensTable
  tombstones: TombstonesTable
  changes: ChangesTable
  outbox_offsets: OutboxOffsetsTable
  documents: DocumentsTable
  document_aliases: DocumentAliasesTable
  applications: ApplicationsTable
  leads: LeadsTable
  workflow_transitions: WorkflowTransitionsTable
  idempotency_keys: IdempotencyKeysTable
}

/** Columns of every archivable table (DESIGN §4): all null while the row is live. */
export interface ArchiveColumns {
  deleted_at: ColumnType<Date | null, never, Date | string | null>
  deleted_by: ColumnType<number | null, never, number | null>
  /** Fixed at deletion: a later change of the retention never purges early. */
  purge_at: ColumnType<Date | null, never, Date | string | null>
  deletion_id: ColumnType<string | null, never, string | null>
}

export interface TombstonesTable {
  resource_type: string
  resource_id: number
  purged_at: ColumnType<Date, never, never>
}

type CreatedAt = ColumnType<Date, never, never>
type UpdatedAt = ColumnType<Date, never, Date | string>

export interface UsersTable extends ArchiveColumns {
  id: Generated<number>
  email: string
  password_hash: string
  first_name: string
  last_name: string
  address: ColumnType<string, string | undefined, string>
  country: string | null
  role: ColumnType<'user' | 'admin', 'user' | 'admin' | undefined, 'user' | 'admin'>
  /** Bumped by every update; the strong ETag is derived from it. */
  version: ColumnType<number, never, number>
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface TokensTable {
  id: Generated<number>
  user_id: number
  /** SHA-256 of the bearer token, hex. The token itself is never stored. */
  token_hash: string
  created_at: CreatedAt
  expires_at: Date
}

export const CONTENT_TYPES = ['text/plain', 'text/markdown', 'application/json'] as const
export type ContentType = (typeof CONTENT_TYPES)[number]

export interface DocumentsTable extends ArchiveColumns {
  id: Generated<number>
  owner_id: number
  title: string
  content: string
  content_type: ContentType
  /** Bumped by every update, alias changes included; the strong ETag is derived from it. */
  version: ColumnType<number, never, number>
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface DocumentAliasesTable {
  alias: string
  document_id: number
  created_at: CreatedAt
}

export type UserRow = Selectable<UsersTable>
export type NewUserRow = Insertable<UsersTable>
export type UserUpdate = Updateable<UsersTable>

/** One change of one resource: the audit trail, the change feed and the outbox (migration 0004). */
export interface ChangesTable {
  seq: Generated<number>
  occurred_at: ColumnType<Date, never, never>
  actor_id: number | null
  request_id: string | null
  resource_type: string
  resource_id: number
  /** The user the changed resource belongs to: who may read the record, and whose erasure redacts it. */
  owner_id: number | null
  action: ChangeAction
  before: ColumnType<unknown, string | null, string | null>
  after: ColumnType<unknown, string | null, string | null>
  deletion_id: string | null
}

export interface OutboxOffsetsTable {
  relay: string
  last_seq: number
  updated_at: ColumnType<Date, never, Date | string>
}

export type ChangeRow = Selectable<ChangesTable>
/** A document with its aliases, sorted: how every read of one document returns it. */
export type DocumentRow = Selectable<DocumentsTable> & { aliases: string[] }
export type NewDocumentRow = Insertable<DocumentsTable>
export type DocumentUpdate = Updateable<DocumentsTable>

/** The columns of every table whose rows follow a status workflow (migration 0005). */
interface WorkflowColumns<Status extends string> extends ArchiveColumns {
  id: Generated<number>
  owner_id: number
  status: Status
  /** When the status last changed (the creation, for an item that never moved). */
  status_changed_at: ColumnType<Date, Date | string | undefined, Date | string>
  /** Bumped by every update; the strong ETag is derived from it. */
  version: ColumnType<number, never, number>
  created_at: CreatedAt
  updated_at: UpdatedAt
}

export interface ApplicationsTable extends WorkflowColumns<ApplicationStatus> {
  company: string
  position: string
  source: string | null
  posting_url: string | null
  location: string | null
  notes: string | null
  applied_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
}

export interface LeadsTable extends WorkflowColumns<LeadStatus> {
  company: string
  contact_name: string | null
  contact_email: string | null
  /** In the currency's minor unit; null with value_currency when the lead has no value yet. */
  value_amount: number | null
  value_currency: string | null
  source: string | null
  notes: string | null
}

/** One status an item entered, when, and from which (null: it was created at it). */
export interface WorkflowTransitionsTable {
  resource_type: string
  resource_id: number
  owner_id: number
  from_status: string | null
  to_status: string
  at: Date
  /** When the item had entered from_status (null for the creation): the time spent there is at - from_at. */
  from_at: Date | null
}

export type ApplicationRow = Selectable<ApplicationsTable>
export type LeadRow = Selectable<LeadsTable>

/** The first response to a request sent with an Idempotency-Key, per caller (migration 0006). */
export interface IdempotencyKeysTable {
  /** Whose key: `user:<id>`, or `ip:<client>` for anonymous requests. */
  scope: string
  key: string
  /** SHA-256 of the method, the path and query, and the body: a reused key must send the same request. */
  fingerprint: string
  /** While the first request runs (null response): a retry gets 409 until then, then may run it again. */
  locked_until: Date
  /**
   * The instance running the first request: the number of a session advisory lock it holds while it
   * lives. A retry may take the key over as soon as that lock is gone. Null: the lease alone decides.
   */
  holder: number | null
  /**
   * `type/id` of the first item the first request changed, written in its transaction: set, the
   * request took effect even when no response was stored (its instance died before).
   */
  committed_to: string | null
  response_status: number | null
  response_headers: ColumnType<Record<string, string> | null, string | null, string | null>
  response_body: string | null
  created_at: ColumnType<Date, never, never>
  expires_at: Date
}
