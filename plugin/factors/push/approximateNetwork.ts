import { isIP } from 'node:net';
import { addressNetwork } from '../../net/addressNetwork.ts';
import { normaliseIp } from '../../net/cidr.ts';

/**
 * The network a login came from, as a phone shows it beside the address: an IPv4 /24 or an
 * IPv6 /64 (what one subscriber is usually given). It tells a user "that is my home
 * connection" or "that is not anywhere I am" without a geolocation service.
 */
export function approximateNetwork(ip: string | null): string | null {
  if (!ip) return null;
  const address = normaliseIp(ip.trim());
  if (isIP(address) === 4) return `${address.split('.').slice(0, 3).join('.')}.0/24`;
  const network = addressNetwork(address);
  return network === 'unknown' ? null : network;
}
