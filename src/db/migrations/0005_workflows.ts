import { type Kysely, type RawBuilder, sql } from 'kysely'
import { APPLICATION_WORKFLOW } from '../../modules/applications/status-workflow.js'
import { LEAD_WORKFLOW } from '../../modules/leads/status-workflow.js'
import { statusCheck } from '../../platform/workflow/workflow.js'
import { nullsLast } from '../pagination.js'

// Job applications (DESIGN §7) and client leads: owned by a user, archivable like documents (the
// columns of 0002), each with a status workflow. The CHECK of each status column is built from the
// workflow's table, the one definition of the statuses; a workflow that gains a status needs a new
// migration that replaces the constraint from the same table.
//
// workflow_transitions is the history of every item's status, one row per status it entered (its
// creation included, from NULL), written in the transaction of the move: what the stats count. A
// workflow never leads back to a status (checked by defineWorkflow), so the key holds. A move also
// keeps when the item had entered the status it left (from_at), so the time spent there needs no join.
// Rows go with their item when it is purged (the archive's erasure, in the purge's transaction). No
// foreign key to the owner: its check would lock the owner's row in every move, and concurrent moves
// of one owner's items would queue on that row.
export async function up(db: Kysely<unknown>): Promise<void> {
  const archiveColumns = sql`
      deleted_at        timestamptz(3),
      deleted_by        bigint,
      purge_at          timestamptz(3),
      deletion_id       uuid`
  await sql`
    CREATE TABLE applications (
      id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      owner_id          bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      company           text NOT NULL CHECK (length(company) BETWEEN 1 AND 200),
      position          text NOT NULL CHECK (length(position) BETWEEN 1 AND 200),
      status            text NOT NULL ${statusCheck(APPLICATION_WORKFLOW)},
      source            text CHECK (length(source) BETWEEN 1 AND 100),
      posting_url       text CHECK (length(posting_url) <= 2000),
      location          text CHECK (length(location) <= 200),
      notes             text,
      applied_at        timestamptz(3),
      status_changed_at timestamptz(3) NOT NULL DEFAULT now(),
      version           integer NOT NULL DEFAULT 1,
      created_at        timestamptz(3) NOT NULL DEFAULT now(),
      updated_at        timestamptz(3) NOT NULL DEFAULT now(),
      ${archiveColumns}
    )`.execute(db)
  await sql`
    CREATE TABLE leads (
      id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      owner_id          bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      company           text NOT NULL CHECK (length(company) BETWEEN 1 AND 200),
      contact_name      text CHECK (length(contact_name) BETWEEN 1 AND 200),
      contact_email     text CHECK (length(contact_email) BETWEEN 3 AND 254),
      -- The value in the currency's minor unit (cents, centimes; yen have none), and its ISO 4217 code.
      value_amount      bigint CHECK (value_amount BETWEEN 0 AND 9007199254740991),
      value_currency    text CHECK (value_currency ~ '^[A-Z]{3}$'),
      status            text NOT NULL ${statusCheck(LEAD_WORKFLOW)},
      source            text CHECK (length(source) BETWEEN 1 AND 100),
      notes             text,
      status_changed_at timestamptz(3) NOT NULL DEFAULT now(),
      version           integer NOT NULL DEFAULT 1,
      created_at        timestamptz(3) NOT NULL DEFAULT now(),
      updated_at        timestamptz(3) NOT NULL DEFAULT now(),
      ${archiveColumns},
      CHECK ((value_amount IS NULL) = (value_currency IS NULL))
    )`.execute(db)

  // Keyset orderings and filters, per owner (what a user lists) and overall (what an admin lists);
  // trigram indexes for `search`; the archive's.
  const indexes = async (table: string, keys: Record<string, RawBuilder<unknown>>, search: string[]) => {
    for (const [name, key] of Object.entries(keys)) {
      await sql`CREATE INDEX ${sql.id(`${table}_owner_${name}_idx`)} ON ${sql.table(table)} (owner_id, ${key}, id)`.execute(
        db,
      )
      await sql`CREATE INDEX ${sql.id(`${table}_${name}_idx`)} ON ${sql.table(table)} (${key}, id)`.execute(
        db,
      )
    }
    await sql`CREATE INDEX ${sql.id(`${table}_owner_idx`)} ON ${sql.table(table)} (owner_id, id)`.execute(db)
    for (const column of search) {
      await sql`CREATE INDEX ${sql.id(`${table}_${column}_trgm_idx`)} ON ${sql.table(table)}
        USING gin (lower(${sql.ref(column)}) gin_trgm_ops)`.execute(db)
    }
    await sql`CREATE INDEX ${sql.id(`${table}_archive_idx`)} ON ${sql.table(table)} (purge_at, id)
      WHERE deleted_at IS NOT NULL`.execute(db)
    await sql`CREATE INDEX ${sql.id(`${table}_deletion_idx`)} ON ${sql.table(table)} (deletion_id)
      WHERE deletion_id IS NOT NULL`.execute(db)
  }
  const common = {
    status: sql`status`,
    company: sql`company`,
    source: sql`lower(source)`,
    created_at: sql`created_at`,
    updated_at: sql`updated_at`,
    status_changed_at: sql`status_changed_at`,
  }
  await indexes('applications', { ...common, applied_at: nullsLast('applied_at') }, ['company', 'position'])
  await indexes('leads', common, ['company', 'contact_name'])

  await sql`
    CREATE TABLE workflow_transitions (
      resource_type text NOT NULL,
      resource_id   bigint NOT NULL,
      owner_id      bigint NOT NULL,
      from_status   text CHECK (from_status <> to_status),
      to_status     text NOT NULL,
      at            timestamptz(3) NOT NULL,
      from_at       timestamptz(3),
      PRIMARY KEY (resource_type, resource_id, to_status),
      CHECK ((from_status IS NULL) = (from_at IS NULL))
    )`.execute(db)
  // The stats read the moves into terminal statuses and along the path: of everyone's items (an admin)
  // by status, of one owner's (a user's own) by owner.
  await sql`CREATE INDEX workflow_transitions_status_idx ON workflow_transitions (resource_type, to_status, resource_id)`.execute(
    db,
  )
  await sql`CREATE INDEX workflow_transitions_owner_idx ON workflow_transitions (owner_id, resource_type, to_status)`.execute(
    db,
  )
}
