import type { AuditLog } from '../audit/auditLog.ts';
import type { Host, HostUser } from '../spi/host.ts';
import type { IdentityTokens } from './identityTokens.ts';

/**
 * One list of everything that lets a program act as the user without MFA: the
 * plugin's identity tokens and the host's service tokens (login/token.php). Ids say
 * which kind they are (`identity:12`, `service:5`), so one revoke call serves both.
 */
export interface UserToken {
  id: string;
  kind: 'identity' | 'service';
  name: string;
  scope: string[];
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  lastUsedIp: string | null;
}

export interface UserTokenDependencies {
  host: Host;
  identityTokens: IdentityTokens;
  audit: AuditLog;
}

export async function listUserTokens(deps: UserTokenDependencies, user: HostUser): Promise<UserToken[]> {
  const identity = (await deps.identityTokens.list(user.id)).map<UserToken>((t) => ({
    id: `identity:${t.id}`,
    kind: 'identity',
    name: t.name,
    scope: t.scope,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    lastUsedAt: t.lastUsedAt,
    lastUsedIp: t.lastUsedIp,
  }));
  const service = deps.host.listServiceTokens ? await deps.host.listServiceTokens(user) : [];
  return [
    ...identity,
    ...service.map<UserToken>((t) => ({ id: `service:${t.id}`, kind: 'service', name: t.service, scope: [], createdAt: t.createdAt, expiresAt: null, lastUsedAt: t.lastUsedAt, lastUsedIp: null })),
  ];
}

/** Revokes one of the user's tokens of either kind; false when `id` is not one of theirs. */
export async function revokeUserToken(
  deps: UserTokenDependencies,
  user: HostUser,
  id: string,
  context: { actor: string; ip: string | null; door: string },
): Promise<boolean> {
  const match = /^(identity|service):([A-Za-z0-9_-]{1,64})$/.exec(id);
  if (!match) return false;
  const [, kind, localId] = match as unknown as [string, 'identity' | 'service', string];
  if (kind === 'identity') {
    const tokenId = Number(localId);
    return Number.isSafeInteger(tokenId) && deps.identityTokens.revoke(user.id, tokenId, context);
  }
  if (!deps.host.revokeServiceToken || !(await deps.host.revokeServiceToken(user, localId))) return false;
  await deps.audit.record({ event: 'service_token_revoked', userId: user.id, actor: context.actor, door: context.door, ip: context.ip, detail: { tokenId: localId } });
  return true;
}
