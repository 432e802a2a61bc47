import { type Request, type Response, Router } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { parseIdentityTokenRequest } from '../../../plugin/credentials/identityTokenInput.ts';
import { listUserTokens, revokeUserToken } from '../../../plugin/credentials/userTokens.ts';
import { isMfaError } from '../../../plugin/errors.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';
import { renderIdentityTokensPage, renderNewTokenPage, TOKEN_LIFETIMES, type IdentityTokensPageModel } from '../../../web/pages/mfa/identityTokensPage.ts';
import { csrfToken } from '../csrf.ts';
import { requireRecentMfa } from './recentMfa.ts';
import { auditIp } from '../requestFacts.ts';
import { userRoute } from '../webSession.ts';

const PAGE = '/user/security/tokens';

function formValues(body: Record<string, unknown>) {
  const name = typeof body.name === 'string' ? body.name : '';
  const lifetime = typeof body.lifetime === 'string' && body.lifetime in TOKEN_LIFETIMES ? body.lifetime : '90';
  const scope = ([] as unknown[]).concat(body.scope ?? []).filter((s): s is string => typeof s === 'string');
  return { name, lifetime, scope };
}

/**
 * `/user/security/tokens`: the user's identity tokens and app tokens. Making one needs
 * a recent MFA pass (a token skips MFA for as long as it lives); revoking never does.
 */
export function identityTokenRoutes(options: { plugin: MfaPlugin; loginPath: string }): Router {
  const { plugin } = options;
  const router = Router();
  const deps = { host: plugin.registry.host, identityTokens: plugin.identityTokens, audit: plugin.audit };

  const signIn = { loginPath: options.loginPath, returnTo: PAGE };

  async function showPage(req: Request, res: Response, user: HostUser, status = 200, form?: IdentityTokensPageModel['form']): Promise<void> {
    const flash = req.session.mfaFlash;
    delete req.session.mfaFlash;
    res.status(status).set('Cache-Control', 'no-store').send(
      renderIdentityTokensPage({ csrf: csrfToken(req), username: user.username, tokens: await listUserTokens(deps, user), scopes: plugin.identityTokenScopes, form, flash }),
    );
  }

  router.get(PAGE, userRoute(plugin, signIn, (req, res, user) => showPage(req, res, user)));

  router.post(PAGE, requireRecentMfa(plugin, { returnTo: PAGE }), userRoute(plugin, signIn, async (req, res, user) => {
    const values = formValues((req.body ?? {}) as Record<string, unknown>);
    const days = TOKEN_LIFETIMES[values.lifetime]?.days ?? null;
    const now = plugin.now();
    try {
      const request = parseIdentityTokenRequest({ name: values.name, scope: values.scope, expiresAt: days === null ? null : now + days * 86_400_000 }, Object.keys(plugin.identityTokenScopes), now);
      const { token, record } = await plugin.identityTokens.create(user.id, request, { ip: await auditIp(plugin, req), door: 'web' });
      res.status(201).set('Cache-Control', 'no-store').send(renderNewTokenPage({ csrf: csrfToken(req), username: user.username, name: record.name, token, expiresAt: record.expiresAt }));
    } catch (error) {
      if (!isMfaError(error, 'INVALID_INPUT')) throw error;
      await showPage(req, res, user, 400, { ...values, error: { field: String(error.details.field ?? ''), message: error.message } });
    }
  }));

  router.post(`${PAGE}/revoke`, userRoute(plugin, signIn, async (req, res, user) => {
    const id = typeof req.body?.token === 'string' ? req.body.token : '';
    const revoked = await revokeUserToken(deps, user, id, { actor: user.username, ip: await auditIp(plugin, req), door: 'web' });
    req.session.mfaFlash = revoked ? 'Token revoked. It stops working on its next request.' : 'That token was already revoked.';
    res.redirect(303, PAGE);
  }));
  return router;
}
