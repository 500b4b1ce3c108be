import type { Db } from '../../db/database.js'
import type { UserRow } from '../../db/schema.js'
import type { Passwords } from '../../platform/auth/passwords.js'
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
  return deps.repo.insert(deps.db, {
    email: admin.email,
    password_hash: await deps.passwords.hash(admin.password),
    first_name: admin.first_name ?? 'Admin',
    last_name: admin.last_name ?? 'Custodian',
    role: 'admin',
  })
}
