import { describe, expect, it } from 'vitest'
import { AppError } from '../../http/problem.js'
import { type GeoProvider, GeoUnavailable } from './providers.js'
import { createSignupGate, type GeoOutcome, normaliseIp } from './signup-gate.js'

const countries: Record<string, string> = {
  '195.186.1.1': 'CH',
  '2a02:1200::1': 'CH',
  '90.0.0.1': 'FR',
  '8.8.8.8': 'US',
}
const provider = (overrides: Partial<GeoProvider> = {}): GeoProvider & { asked: string[] } => {
  const asked: string[] = []
  return {
    name: 'fake',
    asked,
    country: async (ip) => {
      asked.push(ip)
      return countries[ip] ?? null
    },
    ...overrides,
  }
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => expect.unreachable('the gate let the request through'),
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(AppError)
  return error as AppError
}

describe('the sign-up gate', () => {
  it('admits Swiss IPv4 and IPv6 addresses and records the country', async () => {
    const gate = createSignupGate({ provider: provider(), allowed: ['CH'], allowUnknown: false })
    await expect(gate.check('195.186.1.1')).resolves.toEqual({ country: 'CH' })
    await expect(gate.check('2a02:1200::1')).resolves.toEqual({ country: 'CH' })
  })

  it('refuses other countries with 403 geo_blocked, in the words of the original service', async () => {
    const gate = createSignupGate({ provider: provider(), allowed: ['CH'], allowUnknown: false })
    const error = await refusal(gate.check('90.0.0.1'))
    expect(error.status).toBe(403)
    expect(error.code).toBe('geo_blocked')
    expect(error.message).toBe('Only users located in Switzerland can be created (remote address in France)')
  })

  it('names every allowed country', async () => {
    const gate = createSignupGate({ provider: provider(), allowed: ['CH', 'LI'], allowUnknown: false })
    const error = await refusal(gate.check('8.8.8.8'))
    expect(error.message).toBe(
      'Only users located in Switzerland or Liechtenstein can be created (remote address in United States)',
    )
  })

  it('normalises IPv4-mapped IPv6 addresses before the lookup', async () => {
    const fake = provider()
    const gate = createSignupGate({ provider: fake, allowed: ['CH'], allowUnknown: false })
    await expect(gate.check('::ffff:195.186.1.1')).resolves.toEqual({ country: 'CH' })
    expect(fake.asked).toEqual(['195.186.1.1'])
    expect(normaliseIp('::FFFF:90.0.0.1')).toBe('90.0.0.1')
  })

  it('refuses private, loopback, unlocatable and malformed addresses without asking the provider', async () => {
    const fake = provider()
    const gate = createSignupGate({ provider: fake, allowed: ['CH'], allowUnknown: false })
    for (const ip of [
      '127.0.0.1',
      '::1',
      '10.1.2.3',
      '192.168.0.1',
      'fe80::1',
      'fe80::1%eth-0',
      'garbage',
      '',
      '1.2.3.4, 5.6.7.8',
    ]) {
      const error = await refusal(gate.check(ip))
      expect(error.status, ip).toBe(403)
      expect(error.message, ip).toContain('(remote address in an unknown location)')
    }
    expect(fake.asked).toEqual([])
    // A public address the provider cannot place is unknown too.
    const error = await refusal(gate.check('5.6.7.8'))
    expect(error.message).toContain('(remote address in an unknown location)')
    expect(fake.asked).toEqual(['5.6.7.8'])
  })

  it('says why an unknown address is refused and how a deployment admits its clients', async () => {
    const gate = createSignupGate({ provider: provider(), allowed: ['CH'], allowUnknown: false })
    const loopback = await refusal(gate.check('127.0.0.1'))
    expect(loopback.message).toBe(
      'Only users located in Switzerland can be created (remote address in an unknown location). ' +
        'The address 127.0.0.1 could not be located: behind a proxy, the proxy must be listed in ' +
        'TRUST_PROXY and send X-Forwarded-For; in development, GEO_ALLOW_UNKNOWN=true admits such addresses.',
    )
    // Garbage is not echoed back.
    const garbage = await refusal(gate.check('<script>'))
    expect(garbage.message).toContain('The client address is not an IP address: behind a proxy')
    expect(garbage.message).not.toContain('<script>')
  })

  it('admits unknown addresses with no country when the development setting allows', async () => {
    const gate = createSignupGate({ provider: provider(), allowed: ['CH'], allowUnknown: true })
    await expect(gate.check('127.0.0.1')).resolves.toEqual({ country: null })
    await refusal(gate.check('90.0.0.1'))
  })

  it('fails closed: a provider failure is 503 geo_unavailable with Retry-After', async () => {
    const down = provider({
      country: async () => {
        throw new GeoUnavailable('ipapi answered HTTP 429')
      },
    })
    const gate = createSignupGate({ provider: down, allowed: ['CH'], allowUnknown: true })
    const error = await refusal(gate.check('195.186.1.1'))
    expect(error.status).toBe(503)
    expect(error.code).toBe('geo_unavailable')
    expect(Number(error.headers['retry-after'])).toBeGreaterThan(0)
  })

  it('counts every outcome', async () => {
    const seen: GeoOutcome[] = []
    const failing = {
      ...provider(),
      country: async (ip: string) =>
        ip === '1.1.1.1' ? Promise.reject(new GeoUnavailable('x')) : (countries[ip] ?? null),
    }
    const gate = createSignupGate({
      provider: failing,
      allowed: ['CH'],
      allowUnknown: false,
      onLookup: (o) => seen.push(o),
    })
    for (const ip of ['195.186.1.1', '90.0.0.1', '10.0.0.1', '1.1.1.1']) await gate.check(ip).catch(() => {})
    expect(seen).toEqual(['allowed', 'blocked', 'unknown', 'failed'])
  })
})
