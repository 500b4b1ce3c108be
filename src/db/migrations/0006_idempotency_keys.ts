import { type Kysely, sql } from 'kysely'

// Idempotency keys (draft-ietf-httpapi-idempotency-key-header): the first response to a POST or PATCH
// sent with a key, kept 24 h for the caller who sent it, so a retry gets that response again. In the
// database, so every instance sees the same keys. `response_status` is null while the first request
// is in flight.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE idempotency_keys (
      scope            text NOT NULL,
      key              text NOT NULL,
      fingerprint      text NOT NULL,
      locked_until     timestamptz(3) NOT NULL,
      response_status  integer,
      response_headers jsonb,
      response_body    text,
      created_at       timestamptz(3) NOT NULL DEFAULT now(),
      expires_at       timestamptz(3) NOT NULL,
      PRIMARY KEY (scope, key)
    )`.execute(db)
  await sql`CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at)`.execute(db)
}
