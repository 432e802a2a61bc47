import { Router } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { parseIdentityTokenRequest } from '../../../plugin/credentials/identityTokenInput.ts';
import { listUserTokens, revokeUserToken, type UserToken } from '../../../plugin/credentials/userTokens.ts';
import { MfaError } from '../../../plugin/errors.ts';
import { asyncRoute } from '../asyncRoute.ts';
import { clientIp, requestFacts } from '../requestFacts.ts';
import { apiCaller, authenticateApiCaller } from './apiCaller.ts';
import { refuseIdentityTokens, requireRecentMfa } from './accountChanges.ts';

const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());

function tokenJson(token: UserToken) {
  return { ...token, createdAt: iso(token.createdAt), expiresAt: iso(token.expiresAt), lastUsedAt: iso(token.lastUsedAt) };
}

/**
 * Identity tokens over the API: make one (after a recent MFA pass), list, revoke. The
 * list holds the host's service tokens (login/token.php) too, revocable the same way.
 */
export function tokenRoutes(plugin: MfaPlugin): Router {
  const router = Router();
  const deps = { host: plugin.registry.host, identityTokens: plugin.identityTokens, audit: plugin.audit };
  router.use('/tokens', authenticateApiCaller(plugin));

  router.post('/tokens', asyncRoute(async (req, res) => {
    const caller = apiCaller(res);
    const settings = await plugin.settings.snapshot();
    await requireRecentMfa(plugin, caller, clientIp(req, settings));
    const request = parseIdentityTokenRequest((req.body ?? {}) as Record<string, unknown>, Object.keys(plugin.identityTokenScopes), plugin.now());
    const { token, record } = await plugin.identityTokens.create(caller.user.id, request, { ip: clientIp(req, settings), door: 'api' });
    res.status(201).set('Cache-Control', 'no-store').json({
      id: `identity:${record.id}`,
      token,
      name: record.name,
      scope: record.scope,
      expiresAt: iso(record.expiresAt),
      note: 'This is the only time the token is shown. Store it where your script can read it, like a password.',
    });
  }));

  router.get('/tokens', asyncRoute(async (_req, res) => {
    const caller = apiCaller(res);
    refuseIdentityTokens(caller);
    res.set('Cache-Control', 'no-store').json({ tokens: (await listUserTokens(deps, caller.user)).map(tokenJson) });
  }));

  router.delete('/tokens/:id', asyncRoute(async (req, res) => {
    const caller = apiCaller(res);
    refuseIdentityTokens(caller);
    const settings = await plugin.settings.snapshot();
    const revoked = await revokeUserToken(deps, caller.user, String(req.params.id), { actor: caller.user.username, ip: clientIp(req, settings), door: 'api' });
    if (!revoked) throw new MfaError('NOT_FOUND', 'No token with that id on your account (it may have been revoked already). GET /api/v1/tokens lists them.');
    res.status(204).end();
  }));
  return router;
}
