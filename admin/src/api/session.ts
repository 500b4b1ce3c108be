/** Who is signed in: the admin's account as the API showed it at sign-in. */
export interface SignedIn {
  id: number
  email: string
  first_name: string
  last_name: string
}

/** The signed-in admin: the bearer token, when it expires, and whose it is. */
export interface Session {
  token: string
  expiresAt: string
  user: SignedIn
}

const KEY = 'custodian.admin.session'

/**
 * The session lives in `sessionStorage`: it survives a reload of the tab and ends with the tab, and
 * other tabs do not share it (each signs in, each token is revoked on its own sign-out). Not in
 * `localStorage`, where a token would outlive the browser session on a shared machine; not in memory
 * only, where every reload would ask for the password again. Any script of the page could read it, as
 * it could any token the page can send: the page's CSP admits no script but the console's own.
 */
export const session = {
  get(): Session | null {
    try {
      const raw = sessionStorage.getItem(KEY)
      if (!raw) return null
      const value = JSON.parse(raw) as Session
      if (Date.parse(value.expiresAt) <= Date.now()) {
        sessionStorage.removeItem(KEY)
        return null
      }
      return value
    } catch {
      return null
    }
  },
  set(value: Session) {
    sessionStorage.setItem(KEY, JSON.stringify(value))
  },
  clear() {
    sessionStorage.removeItem(KEY)
  },
}
