import { isIP } from 'node:net'
import ipaddr from 'ipaddr.js'
import { AppError } from '../../http/problem.js'
import type { GeoProvider } from './providers.js'
import { GeoUnavailable } from './providers.js'

/** Where a sign-up request comes from, as far as the gate could tell. */
export interface SignupOrigin {
  country: string | null
}

/**
 * Decides whether a client may sign up (DESIGN §6). `check` resolves with the origin to record, or
 * throws the problem that refuses the sign-up (`403 geo_blocked`, `503 geo_unavailable`).
 */
export interface SignupGate {
  check(clientIp: string): Promise<SignupOrigin>
}

export type GeoOutcome = 'allowed' | 'blocked' | 'unknown' | 'failed'

const englishNames = new Intl.DisplayNames(['en'], { type: 'region' })
export const countryName = (code: string) => englishNames.of(code) ?? code

/**
 * The address to look up: IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes IPv4; anything that is not an
 * IP address (a malformed forwarded header) is null.
 */
export function normaliseIp(raw: string): string | null {
  const ip = raw.trim()
  // Both checks: Node accepts forms ipaddr.js does not (IPv6 zone ids such as fe80::1%eth0).
  if (!isIP(ip) || !ipaddr.isValid(ip)) return null
  const parsed = ipaddr.parse(ip)
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (parsed as ipaddr.IPv6).toIPv4Address().toString()
  }
  return parsed.toString()
}

/** Private, loopback, link-local, reserved…: addresses no database places in a country. */
const isPublic = (ip: string) => ipaddr.parse(ip).range() === 'unicast'

/**
 * The geolocation gate. The client address is what Fastify derived from the socket and the trusted
 * proxies (TRUST_PROXY), so a client cannot choose its own country. Unknown, private and malformed
 * addresses are refused unless `allowUnknown` (a development setting). A provider failure refuses
 * too, with 503 and Retry-After: the gate fails closed.
 */
export function createSignupGate(options: {
  provider: GeoProvider
  allowed: readonly string[]
  allowUnknown: boolean
  onLookup?: (outcome: GeoOutcome) => void
  retryAfterSeconds?: number
}): SignupGate {
  const allowed = new Set(options.allowed)
  const allowedNames = new Intl.ListFormat('en', { type: 'disjunction' }).format(
    options.allowed.map(countryName),
  )
  const record = (outcome: GeoOutcome) => options.onLookup?.(outcome)
  const refuse = (where: string, hint = ''): never => {
    throw new AppError(
      'geo_blocked',
      `Only users located in ${allowedNames} can be created (remote address in ${where})${hint}`,
    )
  }
  // Usually a deployment problem rather than a client's: say how to fix it.
  const unlocated = (ip: string | null) =>
    `. ${ip === null ? 'The client address is not an IP address' : `The address ${ip} could not be located`}: ` +
    'behind a proxy, the proxy must be listed in TRUST_PROXY and send X-Forwarded-For; ' +
    'in development, GEO_ALLOW_UNKNOWN=true admits such addresses.'

  return {
    async check(clientIp) {
      const ip = normaliseIp(clientIp)
      let country: string | null = null
      if (ip && isPublic(ip)) {
        try {
          country = await options.provider.country(ip)
        } catch (error) {
          if (!(error instanceof GeoUnavailable)) throw error
          record('failed')
          const retryAfter = String(options.retryAfterSeconds ?? 30)
          const problem = new AppError(
            'geo_unavailable',
            'The sign-up location check is unavailable; try again later.',
            {},
            { 'retry-after': retryAfter },
          )
          // The client sees the problem; the log line of the request gets the provider's own error.
          throw Object.assign(problem, { cause: error })
        }
      }
      if (country === null) {
        record('unknown')
        if (options.allowUnknown) return { country: null }
        return refuse('an unknown location', unlocated(ip))
      }
      if (!allowed.has(country)) {
        record('blocked')
        return refuse(countryName(country))
      }
      record('allowed')
      return { country }
    },
  }
}
