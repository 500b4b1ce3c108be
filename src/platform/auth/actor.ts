export const ROLES = ['user', 'admin'] as const
export type Role = (typeof ROLES)[number]

/** Who is making a request: passed down whole from route to repository, never as loose fields. */
export interface Actor {
  id: number
  role: Role
  /** The token this request authenticated with. */
  tokenId: number
  /** The request being served: change records name it. */
  requestId: string
  /** The Idempotency-Key this request holds (platform/idempotency): its change records mark it. */
  idempotencyKey?: IdempotencyClaim | null
}

/** An Idempotency-Key claimed by the request being served: whose (`user:7`, `ip:…`) and which. */
export interface IdempotencyClaim {
  scope: string
  key: string
}

/** What a bearer token stands for, before it is bound to a request. */
export type Principal = Omit<Actor, 'requestId'>

export const isAdmin = (actor: Actor | null): boolean => actor?.role === 'admin'
