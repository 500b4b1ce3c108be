/** Where a sign-up request comes from, as far as the gate could tell. */
export interface SignupOrigin {
  country: string | null
}

/**
 * Decides whether a client may sign up (DESIGN §6). `check` resolves with the origin to record, or
 * throws the problem (403 geo_blocked, 503 geo_unavailable) that refuses the sign-up.
 */
export interface SignupGate {
  check(clientIp: string): Promise<SignupOrigin>
}

/**
 * PLACEHOLDER until the geolocation issue lands: admits every client and records no country.
 * The users service already calls the gate at the point where the real one will refuse.
 */
export const passThroughSignupGate: SignupGate = {
  check: async () => ({ country: null }),
}
