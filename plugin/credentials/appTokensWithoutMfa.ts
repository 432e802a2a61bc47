import type { AuditLog } from '../audit/auditLog.ts';
import type { Host, HostUser, ServiceTokenRecord } from '../spi/host.ts';
import type { IdentityTokens } from './identityTokens.ts';
import { revokeUserToken } from './userTokens.ts';

/** Why the token door let a token through without MFA, in its `service_token_issued` audit row. */
export const ISSUED_WITHOUT_MFA = { via: 'token_php', mfa: false } as const;

export interface AppTokensWithoutMfaDependencies {
  host: Host;
  audit: AuditLog;
  identityTokens: IdentityTokens;
}

export interface AppTokensWithoutMfa {
  /** The live app tokens of the users who were given one without MFA. */
  tokens: Array<{ user: HostUser; token: ServiceTokenRecord }>;
  users: number;
}

const SEARCH_LIMIT = 10_000;

/** When "Enable MFA for the mobile app" was last switched on, from the settings' audit rows (0: never). */
async function lastSwitchedOn(audit: AuditLog): Promise<number> {
  const changes = await audit.recent({ event: 'settings_changed', limit: SEARCH_LIMIT });
  return changes.find((c) => c.detail?.name === 'mobile_app_mfa' && c.detail?.newValue === true)?.at ?? 0;
}

/**
 * The app tokens (login/token.php) that a login without MFA produced since the mobile-app
 * toggle was last on: the users the token door audited as served without MFA, and their
 * live tokens, read through the Host's service-token methods. The Host does not say
 * which token a login made, so every live app token of those users is counted; when an
 * admin switches MFA on for the app, these still work without MFA until revoked.
 * null when the Host cannot list service tokens.
 */
export async function appTokensIssuedWithoutMfa(deps: AppTokensWithoutMfaDependencies): Promise<AppTokensWithoutMfa | null> {
  if (!deps.host.listServiceTokens) return null;
  const since = await lastSwitchedOn(deps.audit);
  const issued = await deps.audit.recent({ event: 'service_token_issued', since, limit: SEARCH_LIMIT });
  const userIds = new Set(issued.filter((e) => e.detail?.mfa === false && e.userId !== null).map((e) => String(e.userId)));
  const tokens: AppTokensWithoutMfa['tokens'] = [];
  let users = 0;
  for (const userId of userIds) {
    const user = await deps.host.findUserById(userId);
    if (!user) continue;
    const live = await deps.host.listServiceTokens(user);
    if (live.length > 0) users++;
    tokens.push(...live.map((token) => ({ user, token })));
  }
  return { tokens, users };
}

/**
 * Revokes what appTokensIssuedWithoutMfa found (read it before switching the toggle on:
 * the switch starts a new period), each with its own audit row; returns how many went.
 */
export async function revokeAppTokens(deps: AppTokensWithoutMfaDependencies, found: AppTokensWithoutMfa, context: { actor: string; ip: string | null }): Promise<number> {
  let revoked = 0;
  for (const { user, token } of found.tokens) {
    if (await revokeUserToken(deps, user, `service:${token.id}`, { ...context, door: 'web' })) revoked++;
  }
  return revoked;
}
