import ipaddr from 'ipaddr.js'

/**
 * How an anonymous client is counted: its IPv4 address, or the /64 network of an IPv6 one (a single
 * host usually holds a whole /64 and could otherwise take a fresh address per request).
 */
export function clientKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip
  const address = ipaddr.process(ip) // IPv4-mapped IPv6 becomes IPv4
  if (address.kind() === 'ipv4') return address.toString()
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4)
  return `${parts.map((p) => p.toString(16)).join(':')}::/64`
}
