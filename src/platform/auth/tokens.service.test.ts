import { describe, expect, it, vi } from 'vitest'
import type { Db } from '../../db/database.js'
import type { UserRow } from '../../db/schema.js'
import { createTokensService } from './tokens.service.js'

/** Sign-in must cost the same whatever the account: one password verification, whoever asks. */
describe('sign-in of an archived account', () => {
  const archived = {
    id: 7,
    password_hash: 'hash-of-right',
    deleted_at: new Date('2026-01-01T00:00:00Z'),
    purge_at: new Date('2026-01-31T00:00:00Z'),
  } as UserRow

  const service = (user: UserRow | undefined) => {
    const passwords = {
      verify: vi.fn(async (_hash: string, password: string) => password === 'right'),
      verifyNothing: vi.fn(async () => false as const),
    }
    const tokens = createTokensService({
      db: {} as Db,
      lookups: {} as Db,
      repo: { deleteExpired: vi.fn(), insert: vi.fn() } as never,
      accounts: { findForSignIn: async () => user },
      passwords,
      ttlSeconds: 60,
      cacheSeconds: 0,
    })
    return { tokens, passwords }
  }

  it('verifies the password once, as for a live or an unknown account, before saying anything', async () => {
    const archivedWrong = service(archived)
    await expect(archivedWrong.tokens.issue('a@b.ch', 'wrong')).rejects.toMatchObject({
      status: 401,
      code: 'invalid_credentials',
    })
    expect(archivedWrong.passwords.verify).toHaveBeenCalledTimes(1)

    const unknown = service(undefined)
    await expect(unknown.tokens.issue('a@b.ch', 'wrong')).rejects.toMatchObject({ status: 401 })
    expect(unknown.passwords.verifyNothing).toHaveBeenCalledTimes(1)

    const archivedRight = service(archived)
    await expect(archivedRight.tokens.issue('a@b.ch', 'right')).rejects.toMatchObject({
      status: 403,
      code: 'account_archived',
      extras: { user_id: 7, purge_at: '2026-01-31T00:00:00.000Z' },
    })
    expect(archivedRight.passwords.verify).toHaveBeenCalledTimes(1)
  })
})
