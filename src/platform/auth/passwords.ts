import { hash, verify } from '@node-rs/argon2'

/**
 * argon2id, the library's default algorithm, with its default cost (19 MiB, 2 passes: OWASP's
 * recommended minimum). The work runs on libuv's thread pool, so hashing never blocks the event loop.
 */
export const passwords = {
  hash: (password: string) => hash(password),

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password)
    } catch {
      return false
    }
  },

  /**
   * Spends the time of one verification for an unknown account, so the response time of a sign-in
   * does not tell whether an email is registered.
   */
  async verifyNothing(password: string): Promise<false> {
    dummyHash ??= hash('an unguessable placeholder')
    await verify(await dummyHash, password).catch(() => false)
    return false
  },
}

let dummyHash: Promise<string> | undefined

export type Passwords = typeof passwords
