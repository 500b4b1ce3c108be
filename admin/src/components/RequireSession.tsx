import type { ReactNode } from 'react'
import { Navigate } from 'react-router-dom'
import { session } from '../api/session'

/**
 * The console's own pages (overview, live feed) render only with a session, else go to the sign-in
 * page at once. The session is read synchronously from sessionStorage: nothing is fetched without a
 * token (react-admin's asynchronous check let the feed's polling start first).
 */
export function RequireSession({ children }: { children: ReactNode }) {
  if (!session.get()) return <Navigate to="/login" replace />
  return children
}
