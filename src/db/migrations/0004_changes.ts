import { type Kysely, sql } from 'kysely'
import { CHANGE_ACTIONS } from '../../platform/changes/actions.js'

// The change log (DESIGN §5): one row per change, written in the transaction of the change. It is the
// audit trail, the change feed and the transactional outbox at once.
//
// Sequence order is commit order: a statement-level trigger takes a transaction-scoped advisory lock
// before any row is numbered, so a second writer waits until the first has committed before it draws
// its sequence numbers. Without it, a transaction could draw 10, commit after another drew 11, and a
// reader resuming `after=11` would never see 10. Writers record once, as the last statement of their
// transaction, so the lock is held only for that insert and the commit.
//
// The CHECK lists CHANGE_ACTIONS, the one definition of the actions. Adding an action is a new
// migration that replaces this constraint from the same list.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE changes (
      seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      occurred_at   timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
      actor_id      bigint,
      request_id    text,
      resource_type text NOT NULL,
      resource_id   bigint NOT NULL,
      owner_id      bigint,
      action        text NOT NULL
                    CHECK (action IN (${sql.join(CHANGE_ACTIONS.map((a) => sql.lit(a)))})),
      before        jsonb,
      after         jsonb,
      deletion_id   uuid
    )`.execute(db)
  await sql`CREATE INDEX changes_resource_idx ON changes (resource_type, resource_id, seq)`.execute(db)
  await sql`CREATE INDEX changes_owner_idx ON changes (owner_id) WHERE owner_id IS NOT NULL`.execute(db)
  await sql`
    CREATE FUNCTION changes_serialize() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_advisory_xact_lock(7290130501);
      RETURN NULL;
    END $$`.execute(db)
  await sql`
    CREATE TRIGGER changes_serialize BEFORE INSERT ON changes
    FOR EACH STATEMENT EXECUTE FUNCTION changes_serialize()`.execute(db)
  // Wakes the relay on commit (notifications are delivered only when the transaction commits).
  await sql`
    CREATE FUNCTION changes_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('custodian_changes', '');
      RETURN NULL;
    END $$`.execute(db)
  await sql`
    CREATE TRIGGER changes_notify AFTER INSERT ON changes
    FOR EACH STATEMENT EXECUTE FUNCTION changes_notify()`.execute(db)
  // How far each relay has published: its offset in the log.
  await sql`
    CREATE TABLE outbox_offsets (
      relay      text PRIMARY KEY,
      last_seq   bigint NOT NULL DEFAULT 0,
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`.execute(db)
}
