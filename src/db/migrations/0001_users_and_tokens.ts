import { type Kysely, sql } from 'kysely'

// Plain SQL, one statement per call (PGlite's extended protocol takes one at a time).
// Timestamps keep milliseconds only (timestamptz(3)): exactly what a JavaScript Date holds, so a
// timestamp read back and sent again in a cursor compares equal to the stored one.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db)
  await sql`
    CREATE TABLE users (
      id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
      password_hash text NOT NULL,
      first_name    text NOT NULL,
      last_name     text NOT NULL,
      address       text NOT NULL DEFAULT '',
      country       text CHECK (country ~ '^[A-Z]{2}$'),
      role          text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
      version       integer NOT NULL DEFAULT 1,
      created_at    timestamptz(3) NOT NULL DEFAULT now(),
      updated_at    timestamptz(3) NOT NULL DEFAULT now()
    )`.execute(db)
  // Email uniqueness is case-insensitive and enforced here, not by a racing check in code.
  await sql`CREATE UNIQUE INDEX users_email_key ON users (lower(email))`.execute(db)
  // Keyset orderings (column, id) and filters.
  await sql`CREATE INDEX users_last_name_idx ON users (last_name, id)`.execute(db)
  await sql`CREATE INDEX users_first_name_idx ON users (first_name, id)`.execute(db)
  await sql`CREATE INDEX users_created_at_idx ON users (created_at, id)`.execute(db)
  await sql`CREATE INDEX users_country_idx ON users (country, id)`.execute(db)
  // `search` is a case-insensitive fragment of last name or email: trigram indexes keep it off full scans.
  await sql`CREATE INDEX users_last_name_trgm_idx ON users USING gin (lower(last_name) gin_trgm_ops)`.execute(
    db,
  )
  await sql`CREATE INDEX users_email_trgm_idx ON users USING gin (lower(email) gin_trgm_ops)`.execute(db)

  await sql`
    CREATE TABLE tokens (
      id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      token_hash text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    )`.execute(db)
  await sql`CREATE INDEX tokens_user_id_idx ON tokens (user_id)`.execute(db)
}
