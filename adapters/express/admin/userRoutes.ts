import { type Request, type Response, Router } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { isMfaError, MfaError } from '../../../plugin/errors.ts';
import { listUserTokens, revokeUserToken } from '../../../plugin/credentials/userTokens.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';
import { renderUserDetailPage } from '../../../web/pages/admin/userDetailPage.ts';
import { renderUserSearchPage } from '../../../web/pages/admin/userSearchPage.ts';
import { csrfToken } from '../csrf.ts';
import { clientIp } from '../requestFacts.ts';
import { adminOf, takeAdminFlash } from './adminAccess.ts';

function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/**
 * `/admin/mfa/users`: find a user, see their factors, reset or unlock them. There is
 * deliberately no route that sets a factor up for a user: only they can (issue #6).
 */
export function userRoutes(plugin: MfaPlugin): Router {
  const router = Router();
  const tokenDeps = { host: plugin.registry.host, identityTokens: plugin.identityTokens, audit: plugin.audit };

  async function userFrom(req: Request): Promise<HostUser> {
    const user = await plugin.admin.findUser(String(req.params.id));
    if (!user) throw new MfaError('NOT_FOUND', 'There is no such user (they may have been deleted).');
    return user;
  }

  async function showUser(req: Request, res: Response, user: HostUser, reset?: { factor: string; reason: string; revokeTokens: boolean; error: string }): Promise<void> {
    res.status(reset ? 400 : 200).send(
      renderUserDetailPage({
        csrf: csrfToken(req),
        username: adminOf(res).username,
        overview: await plugin.admin.overview(user),
        factors: plugin.admin.factors,
        tokens: await listUserTokens(tokenDeps, user),
        reset,
        flash: takeAdminFlash(req),
      }),
    );
  }

  router.get('/users', async (req, res, next) => {
    try {
      const query = typeof req.query.q === 'string' ? req.query.q.slice(0, 100) : '';
      const results = query.trim() === '' ? null : await plugin.admin.findUsers(query);
      res.send(renderUserSearchPage({ csrf: csrfToken(req), username: adminOf(res).username, query, results }));
    } catch (error) {
      next(error);
    }
  });

  router.get('/users/:id', async (req, res, next) => {
    try {
      await showUser(req, res, await userFrom(req));
    } catch (error) {
      next(error);
    }
  });

  router.post('/users/:id/reset', async (req, res, next) => {
    try {
      const user = await userFrom(req);
      const factor = field(req.body, 'factor');
      const reason = field(req.body, 'reason');
      // An unticked checkbox sends nothing: only an explicit "yes" revokes (the form ticks it by default).
      const revokeTokens = field(req.body, 'revokeTokens') === 'yes';
      try {
        const result = await plugin.admin.resetUserFactors({ userId: user.id, factor: factor || undefined, reason, actor: adminOf(res).username, revokeTokens });
        const what = factor ? (plugin.admin.factors.find((f) => f.id === factor)?.displayName ?? factor) : 'All factors';
        const sessions = result.webSessionsEnded + result.apiSessionsEnded;
        const tokens = revokeTokens ? ` ${result.identityTokensRevoked + result.serviceTokensRevoked} tokens revoked.` : ' Tokens kept.';
        req.session.mfaAdminFlash = `${what} reset for ${user.username}: ${result.devicesRemoved} removed, ${result.trustedDevicesRevoked} trusted browsers revoked, ${sessions} sessions signed out.${tokens}`;
      } catch (error) {
        if (isMfaError(error, 'INVALID_INPUT') || isMfaError(error, 'FACTOR_NOT_AVAILABLE')) return await showUser(req, res, user, { factor, reason, revokeTokens, error: error.message });
        throw error;
      }
      res.redirect(303, `/admin/mfa/users/${encodeURIComponent(user.id)}`);
    } catch (error) {
      next(error);
    }
  });

  router.post('/users/:id/unlock', async (req, res, next) => {
    try {
      const user = await userFrom(req);
      const factor = field(req.body, 'factor');
      const unlocked = await plugin.admin.unlockUserFactors({ userId: user.id, factor: factor || undefined, actor: adminOf(res).username });
      const names = unlocked.map((id) => plugin.admin.factors.find((f) => f.id === id)?.displayName ?? id);
      req.session.mfaAdminFlash = names.length > 0 ? `Unlocked for ${user.username}: ${names.join(', ')}.` : `Nothing was locked; the count of failed inputs is cleared.`;
      res.redirect(303, `/admin/mfa/users/${encodeURIComponent(user.id)}`);
    } catch (error) {
      next(error);
    }
  });

  router.post('/users/:id/password-unlock', async (req, res, next) => {
    try {
      const user = await userFrom(req);
      const cleared = await plugin.admin.clearPasswordThrottle({ username: user.username, userId: user.id, actor: adminOf(res).username });
      req.session.mfaAdminFlash = cleared > 0 ? `${user.username}'s password can be tried again now, from every address.` : `No wrong passwords were counted for ${user.username}.`;
      res.redirect(303, `/admin/mfa/users/${encodeURIComponent(user.id)}`);
    } catch (error) {
      next(error);
    }
  });

  router.post('/users/:id/tokens/revoke', async (req, res, next) => {
    try {
      const user = await userFrom(req);
      const id = field(req.body, 'token');
      const revoked = await revokeUserToken(tokenDeps, user, id, { actor: adminOf(res).username, ip: clientIp(req, await plugin.settings.snapshot()), door: 'web' });
      req.session.mfaAdminFlash = revoked ? `Token revoked for ${user.username}; it stops working on its next request.` : 'That token was already revoked, or is not this user’s.';
      res.redirect(303, `/admin/mfa/users/${encodeURIComponent(user.id)}`);
    } catch (error) {
      next(error);
    }
  });

  return router;
}
