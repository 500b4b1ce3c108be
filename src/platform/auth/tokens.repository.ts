import type { Db } from '../../db/database.js'
import type { Role } from './actor.js'

export const tokensRepository = {
  async insert(db: Db, row: { user_id: number; token_hash: string; expires_at: Date }) {
    return db.insertInto('tokens').values(row).returning(['id', 'expires_at']).executeTakeFirstOrThrow()
  },

  /** The holder of an unexpired token, with their current role. */
  async findActive(db: Db, tokenHash: string) {
    return db
      .selectFrom('tokens')
      .innerJoin('users', 'users.id', 'tokens.user_id')
      .select(['tokens.id as token_id', 'tokens.user_id', 'tokens.expires_at', 'users.role'])
      .where('tokens.token_hash', '=', tokenHash)
      .where('tokens.expires_at', '>', new Date())
      .executeTakeFirst() as Promise<
      { token_id: number; user_id: number; expires_at: Date; role: Role } | undefined
    >
  },

  async delete(db: Db, tokenId: number) {
    await db.deleteFrom('tokens').where('id', '=', tokenId).execute()
  },

  /** Revokes every token of a user but `keep` (the one in use, when a user changes their own password). */
  async deleteForUser(db: Db, userId: number, keep?: number) {
    let q = db.deleteFrom('tokens').where('user_id', '=', userId)
    if (keep !== undefined) q = q.where('id', '<>', keep)
    await q.execute()
  },
}

export type TokensRepository = typeof tokensRepository
