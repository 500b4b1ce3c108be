import { type Kysely, sql } from 'kysely'

// Documents (DESIGN §1, §4): owned by a user, archivable like users (the columns of 0002), addressed by
// id or by any of their aliases. An alias is unique across all documents, archived ones included: the
// primary key of document_aliases is what makes two concurrent claims of one alias have one winner, and
// an archived document keeps its aliases reserved until it is purged (the cascade frees them).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE documents (
      id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      owner_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
      content      text NOT NULL,
      content_type text NOT NULL CHECK (content_type IN ('text/plain', 'text/markdown', 'application/json')),
      version      integer NOT NULL DEFAULT 1,
      created_at   timestamptz(3) NOT NULL DEFAULT now(),
      updated_at   timestamptz(3) NOT NULL DEFAULT now(),
      deleted_at   timestamptz(3),
      deleted_by   bigint,
      purge_at     timestamptz(3),
      deletion_id  uuid
    )`.execute(db)
  // Keyset orderings and filters: per owner (what a user lists) and overall (what an admin lists).
  await sql`CREATE INDEX documents_owner_idx ON documents (owner_id, id)`.execute(db)
  await sql`CREATE INDEX documents_owner_title_idx ON documents (owner_id, title, id)`.execute(db)
  await sql`CREATE INDEX documents_owner_created_at_idx ON documents (owner_id, created_at, id)`.execute(db)
  await sql`CREATE INDEX documents_owner_updated_at_idx ON documents (owner_id, updated_at, id)`.execute(db)
  await sql`CREATE INDEX documents_title_idx ON documents (title, id)`.execute(db)
  await sql`CREATE INDEX documents_created_at_idx ON documents (created_at, id)`.execute(db)
  await sql`CREATE INDEX documents_updated_at_idx ON documents (updated_at, id)`.execute(db)
  // `search` is a case-insensitive fragment of title or content: trigram indexes, as for users, so a
  // substring search stays an index scan at a million documents.
  await sql`CREATE INDEX documents_title_trgm_idx ON documents USING gin (lower(title) gin_trgm_ops)`.execute(
    db,
  )
  await sql`CREATE INDEX documents_content_trgm_idx ON documents USING gin (lower(content) gin_trgm_ops)`.execute(
    db,
  )
  await sql`CREATE INDEX documents_archive_idx ON documents (purge_at, id) WHERE deleted_at IS NOT NULL`.execute(
    db,
  )
  await sql`CREATE INDEX documents_deletion_idx ON documents (deletion_id) WHERE deletion_id IS NOT NULL`.execute(
    db,
  )

  // Aliases are never numeric (so never confused with an id) and never a word of the routes
  // (/documents/deleted, /documents/aliases). The check repeats the API's pattern as the last line.
  // COLLATE "C": aliases sort by code point everywhere (lists, cursors, the sorted array of a
  // document), the order JavaScript sorts them in too, whatever the database's locale.
  await sql`
    CREATE TABLE document_aliases (
      alias       text COLLATE "C" PRIMARY KEY
                  CHECK (alias ~ '^[a-z][a-z0-9-]{0,62}$' AND alias NOT IN ('deleted', 'aliases')),
      document_id bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
      created_at  timestamptz(3) NOT NULL DEFAULT now()
    )`.execute(db)
  await sql`CREATE INDEX document_aliases_document_idx ON document_aliases (document_id, alias)`.execute(db)
}
