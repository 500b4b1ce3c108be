import type { Db } from '../../db/database.js'
import type { UserRow } from '../../db/schema.js'
import type { Passwords } from '../../platform/auth/passwords.js'
import { recordChanges, SYSTEM } from '../../platform/changes/changes.js'
import type { UsersRepository } from './users.repository.js'

/**
 * The first admin: from `custodian create-admin`, or from ADMIN_EMAIL/ADMIN_PASSWORD on start when
 * no admin exists yet. Several instances starting at once are safe: the unique email index lets one
 * insert win and the others see `email_taken`.
 */
export async function createAdmin(
  deps: { db: Db; repo: Pick<UsersRepository, 'insert'>; passwords: Pick<Passwords, 'hash'> },
  admin: { email: string; password: string; first_name?: string; last_name?: string },
): Promise<UserRow> {
  const password_hash = await deps.passwords.hash(admin.password)
  return deps.db.transaction().execute(async (tx) => {
    const user = await deps.repo.insert(tx, {
      email: admin.email,
      password_hash,
      first_name: admin.first_name ?? 'Admin',
      last_name: admin.last_name ?? 'Custodian',
      role: 'admin',
    })
    // Made by the operator (the CLI or the environment), not by a request.
    await recordChanges(tx, SYSTEM, [
      { type: 'users', id: user.id, owner: user.id, action: 'created', after: user },
    ])
    return user
  })
}
