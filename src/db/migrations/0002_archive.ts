import { type Kysely, sql } from 'kysely'

// Reversible deletes (DESIGN §4): archived rows keep their place, and their unique values, until
// purge_at. One deletion_id ties a delete to everything it cascaded to. Purged ids leave a tombstone.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE users
      ADD COLUMN deleted_at  timestamptz(3),
      ADD COLUMN deleted_by  bigint,
      ADD COLUMN purge_at    timestamptz(3),
      ADD COLUMN deletion_id uuid`.execute(db)
  await sql`CREATE INDEX users_archive_idx ON users (purge_at, id) WHERE deleted_at IS NOT NULL`.execute(db)
  await sql`CREATE INDEX users_deletion_idx ON users (deletion_id) WHERE deletion_id IS NOT NULL`.execute(db)
  await sql`
    CREATE TABLE tombstones (
      resource_type text NOT NULL,
      resource_id   bigint NOT NULL,
      purged_at     timestamptz(3) NOT NULL DEFAULT now(),
      PRIMARY KEY (resource_type, resource_id)
    )`.execute(db)
}
