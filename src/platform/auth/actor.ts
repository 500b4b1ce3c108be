export const ROLES = ['user', 'admin'] as const
export type Role = (typeof ROLES)[number]

/** Who is making a request: passed down whole from route to repository, never as loose fields. */
export interface Actor {
  id: number
  role: Role
  /** The token this request authenticated with. */
  tokenId: number
}

export const isAdmin = (actor: Actor | null): boolean => actor?.role === 'admin'
