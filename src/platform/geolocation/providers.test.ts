import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIpapiProvider, createOfflineProvider, GeoUnavailable } from './providers.js'

describe('offline provider (DB-IP country database from npm)', () => {
  it('places Swiss, French and other addresses, IPv4 and IPv6, and knows nothing of private ones', async () => {
    const offline = await createOfflineProvider()
    expect(await offline.country('195.186.1.1')).toBe('CH') // Swisscom
    expect(await offline.country('130.59.31.80')).toBe('CH') // SWITCH
    expect(await offline.country('2a02:1200::1')).toBe('CH')
    expect(await offline.country('2001:620::1')).toBe('CH')
    expect(await offline.country('90.0.0.1')).toBe('FR') // Orange
    expect(await offline.country('2a01:cb00::1')).toBe('FR')
    expect(await offline.country('8.8.8.8')).toBe('US')
    expect(await offline.country('10.0.0.1')).toBeNull()
  })
})

describe('ipapi provider, against a local fake of ipapi.co', () => {
  let server: Server
  let baseUrl: string
  const requests: string[] = []
  // What the fake answers for each address.
  const answers: Record<string, { status: number; body: string; delayMs?: number }> = {
    '195.186.1.1': {
      status: 200,
      body: JSON.stringify({ ip: '195.186.1.1', country_code: 'CH', country_name: 'Switzerland' }),
    },
    '90.0.0.1': { status: 200, body: JSON.stringify({ ip: '90.0.0.1', country_code: 'fr' }) },
    '1.1.1.1': { status: 429, body: JSON.stringify({ error: true, reason: 'RateLimited' }) },
    '2.2.2.2': { status: 200, body: JSON.stringify({ error: true, reason: 'Invalid IP Address' }) },
    '3.3.3.3': { status: 500, body: 'oops' },
    '4.4.4.4': { status: 200, body: 'not json' },
    '5.5.5.5': { status: 200, body: JSON.stringify({ country_code: 'CH' }), delayMs: 1000 },
    '6.6.6.6': { status: 200, body: JSON.stringify({ ip: '6.6.6.6', reserved: true }) },
    '7.7.7.7': { status: 200, body: JSON.stringify({}) },
    '2a02:1200::1': { status: 200, body: JSON.stringify({ ip: '2a02:1200::1', country_code: 'CH' }) },
  }

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '')
      const ip = decodeURIComponent((req.url ?? '').split('/')[1] ?? '')
      const answer = answers[ip] ?? { status: 404, body: '{}' }
      setTimeout(
        () => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body),
        answer.delayMs ?? 0,
      )
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  })
  afterAll(() => {
    server.closeAllConnections()
    server.close()
  })

  const ipapi = () => createIpapiProvider({ baseUrl, timeoutMs: 300, cacheSeconds: 60 })

  it('reads country_code from /{ip}/json/, upper-cased', async () => {
    const provider = ipapi()
    expect(await provider.country('195.186.1.1')).toBe('CH')
    expect(await provider.country('90.0.0.1')).toBe('FR')
    expect(requests).toContain('/195.186.1.1/json/')
    expect(await provider.country('6.6.6.6')).toBeNull()
    expect(await provider.country('2a02:1200::1')).toBe('CH')
    expect(requests).toContain('/2a02:1200::1/json/')
  })

  it('caches nothing with GEO_CACHE_SECONDS=0', async () => {
    const provider = createIpapiProvider({ baseUrl, timeoutMs: 300, cacheSeconds: 0 })
    const before = requests.length
    await provider.country('195.186.1.1')
    await provider.country('195.186.1.1')
    expect(requests.length - before).toBe(2)
  })

  it('caches answers', async () => {
    const provider = ipapi()
    const before = requests.length
    await provider.country('195.186.1.1')
    await provider.country('195.186.1.1')
    expect(requests.length - before).toBe(1)
  })

  it.each([
    ['HTTP 429', '1.1.1.1'],
    ['"error": true in a 200', '2.2.2.2'],
    ['HTTP 500', '3.3.3.3'],
    ['a body that is not JSON', '4.4.4.4'],
    ['a JSON body without a country', '7.7.7.7'],
    ['no answer within the timeout', '5.5.5.5'],
  ])('treats %s as a failure, and does not cache it', async (_case, ip) => {
    const provider = ipapi()
    await expect(provider.country(ip)).rejects.toBeInstanceOf(GeoUnavailable)
    const before = requests.length
    await expect(provider.country(ip)).rejects.toBeInstanceOf(GeoUnavailable)
    expect(requests.length - before).toBe(1)
  })

  it('treats an unreachable service as a failure', async () => {
    const provider = createIpapiProvider({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 300, cacheSeconds: 60 })
    await expect(provider.country('195.186.1.1')).rejects.toBeInstanceOf(GeoUnavailable)
  })
})
