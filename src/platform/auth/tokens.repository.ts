import type { Db } from '../../db/database.js'
import { prepared } from '../../db/prepared.js'

const findActive = prepared(['tokenHash', 'now'], (db, p) =>
  db
    .selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.user_id')
    .select(['tokens.id as token_id', 'tokens.user_id', 'tokens.expires_at', 'users.role'])
    .where('tokens.token_hash', '=', p.tokenHash)
    .where('tokens.expires_at', '>', p.now)
    .where('users.deleted_at', 'is', null),
)

export const tokensRepository = {
  async insert(db: Db, row: { user_id: number; token_hash: string; expires_at: Date }) {
    return db.insertInto('tokens').values(row).returning(['id', 'expires_at']).executeTakeFirstOrThrow()
  },

  /** The holder of an unexpired token, with their current role. Prepared: it runs on every request. */
  async findActive(db: Db, tokenHash: string) {
    const [row] = await findActive(db, { tokenHash, now: new Date() })
    return row
  },

  async deleteExpired(db: Db, userId: number) {
    await db
      .deleteFrom('tokens')
      .where('user_id', '=', userId)
      .where('expires_at', '<=', new Date())
      .execute()
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
