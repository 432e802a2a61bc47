import { isIP } from 'node:net';
import { normaliseIp } from './cidr.ts';

/**
 * The network a client address stands for when counting its guesses: an IPv4 address
 * itself, an IPv6 address's /64. One IPv6 subscriber is usually handed a whole /64
 * (RFC 6177, RFC 7421): counting single addresses there would let one attacker walk
 * through 2^64 fresh counters. Anything that is not an address counts as one "unknown".
 */
export function addressNetwork(ip: string | null): string {
  if (!ip) return 'unknown';
  const address = normaliseIp(ip.trim());
  const version = isIP(address);
  if (version === 4) return address;
  if (version !== 6) return 'unknown';
  const [head = '', tail] = address.toLowerCase().split('::');
  const front = head === '' ? [] : head.split(':');
  const back = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? front : [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back];
  return `${groups.slice(0, 4).map((g) => Number.parseInt(g, 16).toString(16)).join(':')}::/64`;
}
