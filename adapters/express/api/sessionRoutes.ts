import { Router } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { MfaError } from '../../../plugin/errors.ts';
import { asyncRoute } from '../asyncRoute.ts';
import { requestFacts } from '../requestFacts.ts';
import { apiCaller, authenticateApiCaller } from './apiCaller.ts';
import { checkApiPassword } from './apiPassword.ts';
import { inputFactorDevices } from './accountChanges.ts';
import { apiLogin } from './apiLogin.ts';

export { MFA_CODE_MISSING } from './apiLogin.ts';

function text(body: Record<string, unknown>, name: string, required: boolean): string | null {
  const value = body[name];
  if (value === undefined || value === null || value === '') {
    if (required) throw new MfaError('INVALID_INPUT', `${name} is required.`, { field: name });
    return null;
  }
  if (typeof value !== 'string' || value.length > 1024) throw new MfaError('INVALID_INPUT', `${name} must be text.`, { field: name });
  return value;
}

/** `POST /session` (log in: password, and a code when MFA asks), `DELETE /session` (log out), `GET /me`. */
export function sessionRoutes(plugin: MfaPlugin): Router {
  const router = Router();
  const authenticate = authenticateApiCaller(plugin);

  router.post('/session', asyncRoute(async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const username = text(body, 'username', true) ?? '';
    const password = text(body, 'password', true) ?? '';
    const code = text(body, 'code', false);
    const factor = text(body, 'factor', false);
    const user = await checkApiPassword(plugin, req, username, password);
    if (!user) throw new MfaError('INVALID_LOGIN', 'Wrong username or password.');
    const settings = await plugin.settings.snapshot();
    const facts = requestFacts(req, settings, plugin.registry);
    const mfaPassedAt = await apiLogin(plugin, user, facts, { code: code?.trim() || null, factor });
    const opened = await plugin.apiSessions.open(user.id, { hours: settings.integer('api_session_hours'), mfaPassedAt, ip: facts.ip });
    await plugin.audit.record({ event: 'api_session_created', userId: user.id, door: 'api', ip: facts.ip, detail: { mfa: mfaPassedAt !== null } });
    res.status(201).set('Cache-Control', 'no-store').json({
      session: opened.token,
      expiresAt: new Date(opened.expiresAt).toISOString(),
      mfaPassedAt: mfaPassedAt === null ? null : new Date(mfaPassedAt).toISOString(),
    });
  }));

  router.delete('/session', authenticate, asyncRoute(async (_req, res) => {
    const caller = apiCaller(res);
    if (caller.sessionId === undefined) throw new MfaError('INVALID_INPUT', 'Only a session can be logged out; revoke an identity token with DELETE /api/v1/tokens/{id}.');
    await plugin.apiSessions.close(caller.sessionId);
    res.status(204).end();
  }));

  router.get('/me', authenticate, asyncRoute(async (_req, res) => {
    const caller = apiCaller(res);
    const devices = await inputFactorDevices(plugin, caller);
    res.set('Cache-Control', 'no-store').json({
      username: caller.user.username,
      email: caller.user.email,
      via: caller.via,
      scope: caller.scope,
      mfa: {
        enabled: devices.length > 0,
        factors: devices.map((d) => ({ factor: d.factor, label: d.label, createdAt: new Date(d.createdAt).toISOString(), lastUsedAt: d.lastUsedAt === null ? null : new Date(d.lastUsedAt).toISOString() })),
        passedAt: caller.mfaPassedAt === null ? null : new Date(caller.mfaPassedAt).toISOString(),
      },
    });
  }));
  return router;
}
