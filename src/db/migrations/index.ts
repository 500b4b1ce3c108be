import type { Migration } from 'kysely'
import * as m0001 from './0001_users_and_tokens.js'
import * as m0002 from './0002_archive.js'
import * as m0003 from './0003_documents.js'
import * as m0004 from './0004_changes.js'
import * as m0005 from './0005_workflows.js'
import * as m0006 from './0006_idempotency_keys.js'
import * as m0007 from './0007_idempotency_holder.js'

/**
 * Every migration, in order. Forward-only: a released file is never edited, a change is a new file.
 * Listed statically (not read from disk) so the built service and the tests run the same set.
 */
export const migrations: Record<string, Migration> = {
  '0001_users_and_tokens': m0001,
  '0002_archive': m0002,
  '0003_documents': m0003,
  '0004_changes': m0004,
  '0005_workflows': m0005,
  '0006_idempotency_keys': m0006,
  '0007_idempotency_holder': m0007,
}
