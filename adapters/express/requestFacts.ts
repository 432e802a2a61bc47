import type { Request } from 'express';
import { isIP } from 'node:net';
import { normaliseIp } from '../../plugin/net/cidr.ts';
import type { SettingsSnapshot } from '../../plugin/settings/settingsStore.ts';
import type { RequestFacts } from '../../plugin/spi/factor.ts';

/**
 * The client's address. Behind a proxy (setting `trust_proxy`), the last address in
 * X-Forwarded-For is the one our proxy saw; anything before it the client could have
 * written itself. Without the setting the header is ignored, so nobody can claim a
 * trusted network by sending it.
 */
export function clientIp(req: Request, settings: SettingsSnapshot): string | null {
  const socketIp = req.socket.remoteAddress ?? null;
  if (settings.boolean('trust_proxy')) {
    const header = req.headers['x-forwarded-for'];
    const last = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').pop()?.trim();
    if (last && isIP(normaliseIp(last))) return normaliseIp(last);
  }
  return socketIp ? normaliseIp(socketIp) : null;
}

/**
 * What a login step knows of the request: the client's address and browser, and what the
 * client kept from an earlier pass (the cookies factors name in `clientCredentials`: a
 * trusted device's token), by name.
 */
export function requestFacts(req: Request, settings: SettingsSnapshot, factors: { clientCredentialNames(): readonly string[] }): RequestFacts {
  const cookies = (req as Request & { cookies?: Record<string, string> }).cookies ?? {};
  const userAgent = req.get('user-agent') ?? null;
  const credentials: Record<string, string> = {};
  for (const name of factors.clientCredentialNames()) {
    const value = cookies[name];
    if (typeof value === 'string' && value !== '') credentials[name] = value;
  }
  return { ip: clientIp(req, settings), userAgent: userAgent?.slice(0, 512) ?? null, credentials };
}

/**
 * The client's address for an audit row or a security mail, as the attempt would see it
 * (normalised, X-Forwarded-For only with `trust_proxy`): never `req.ip`, which behind a
 * proxy is the proxy and in front of one believes whatever the client wrote.
 */
export async function auditIp(plugin: { settings: { snapshot(): Promise<SettingsSnapshot> } }, req: Request): Promise<string | null> {
  return clientIp(req, await plugin.settings.snapshot());
}
