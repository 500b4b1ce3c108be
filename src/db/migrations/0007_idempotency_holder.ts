import { type Kysely, sql } from 'kysely'

// platform/idempotency: which instance runs a key's first request (the number of a session advisory
// lock that instance holds while it lives), and the item its change committed to, written in the
// change's own transaction: a retry after a crash then knows the first run took effect.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE idempotency_keys ADD COLUMN holder integer, ADD COLUMN committed_to text`.execute(db)
}
