import { describe, expect, it } from 'vitest'
import { clientKey } from './client-key.js'

describe('clientKey', () => {
  it('keys IPv4 by address and IPv6 by /64', () => {
    expect(clientKey('192.0.2.7')).toBe('192.0.2.7')
    expect(clientKey('::ffff:192.0.2.7')).toBe('192.0.2.7')
    expect(clientKey('2001:db8:1:2::1')).toBe(clientKey('2001:db8:1:2:ffff:ffff:ffff:ffff'))
    expect(clientKey('2001:db8:1:2::1')).not.toBe(clientKey('2001:db8:1:3::1'))
    expect(clientKey('not an address')).toBe('not an address')
  })
})
