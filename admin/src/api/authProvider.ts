import type { AuthProvider } from 'react-admin'
import { api, isApiError, query } from './http'
import { session } from './session'

interface Token {
  token: string
  token_type: 'Bearer'
  expires_at: string
}

interface User {
  id: number
  email: string
  first_name: string
  last_name: string
  role: 'user' | 'admin'
}

/** Thrown by `login` for a right password of an account that is not an admin's. */
export class NotAnAdmin extends Error {
  override name = 'NotAnAdmin'
}

/**
 * Signing in and out through the API: `POST /tokens` for a bearer token, then the account it belongs to
 * (`GET /users?email=`, exact and case-insensitive), which must be an admin's: the console is for
 * admins only, so anyone else's token is revoked at once and the sign-in fails with a message saying
 * so. `DELETE /tokens/current` on sign-out. A 401 from any call (the token expired or was revoked) ends
 * the session and brings the sign-in page back.
 */
export const authProvider: AuthProvider = {
  async login({ email, password }: { email: string; password: string }) {
    const { json: issued } = await api<Token>('/tokens', {
      method: 'POST',
      body: { email, password },
      token: null,
    })
    const { json: page } = await api<{ results: User[] }>(`/users${query({ email })}`, {
      token: issued.token,
    })
    const user = page.results[0]
    if (user?.role !== 'admin') {
      await api('/tokens/current', { method: 'DELETE', token: issued.token }).catch(() => undefined)
      throw new NotAnAdmin(
        `${email} is not an administrator. This console is for admins only: sign in with an admin account ` +
          '(the token just issued has been revoked).',
      )
    }
    session.set({
      token: issued.token,
      expiresAt: issued.expires_at,
      user: { id: user.id, email: user.email, first_name: user.first_name, last_name: user.last_name },
    })
  },

  async logout() {
    const current = session.get()
    session.clear()
    if (current)
      await api('/tokens/current', { method: 'DELETE', token: current.token }).catch(() => undefined)
  },

  async checkAuth() {
    if (!session.get()) throw { message: false, redirectTo: '/login' }
  },

  async checkError(error: unknown) {
    if (isApiError(error) && error.status === 401) {
      throw {
        message: 'Your session has ended (the token expired or was revoked). Sign in again.',
        redirectTo: '/login',
      }
    }
  },

  async getIdentity() {
    const current = session.get()
    if (!current) throw new Error('Not signed in')
    const { id, email, first_name, last_name } = current.user
    return { id, fullName: `${first_name} ${last_name} <${email}>` }
  },

  async getPermissions() {
    return session.get() ? 'admin' : undefined
  },
}
