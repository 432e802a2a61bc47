import { Router } from 'express';
import QRCode from 'qrcode';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { MfaError } from '../../../plugin/errors.ts';
import type { TotpSetup } from '../../../plugin/factors/totp/index.ts';
import { asyncRoute } from '../asyncRoute.ts';
import { requestFacts } from '../mfa/requestFacts.ts';
import { apiCaller, authenticateApiCaller } from './apiCaller.ts';
import { refuseIdentityTokens, requireRecentMfa } from './accountChanges.ts';

const TOTP = 'totp';

/**
 * MediaSilo's TOTP self-service: `POST /mfa/key` (a new key and QR code), `POST /mfa`
 * `{code}` (prove the app has it: enabled), `DELETE /mfa` (remove it). Always for the
 * caller themself: there is no user parameter, so nobody can set up MFA for another user.
 */
export function mfaRoutes(plugin: MfaPlugin): Router {
  const router = Router();
  router.use('/mfa', authenticateApiCaller(plugin));

  router.post('/mfa/key', asyncRoute(async (req, res) => {
    const caller = apiCaller(res);
    await requireRecentMfa(plugin, caller);
    const settings = await plugin.settings.snapshot();
    const label = typeof req.body?.label === 'string' ? req.body.label : '';
    const setup = (await plugin.enrolment.beginSetup(caller.user, TOTP, { label, ip: requestFacts(req, settings).ip })) as TotpSetup;
    // Drawn here, as on the security page: the secret never goes to a chart service (MediaSilo's qrUrl did).
    const svg = await QRCode.toString(setup.otpauthUri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    res.status(201).set('Cache-Control', 'no-store').json({
      key: setup.secret,
      otpauthUrl: setup.otpauthUri,
      qrCode: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
      setupId: setup.setupId,
      expiresAt: new Date(setup.expiresAt).toISOString(),
    });
  }));

  router.post('/mfa', asyncRoute(async (req, res) => {
    const caller = apiCaller(res);
    refuseIdentityTokens(caller);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.code !== 'string' || body.code.trim() === '') throw new MfaError('INVALID_INPUT', 'Send the code your authenticator app shows now: {"code": "123456"}.', { field: 'code' });
    const settings = await plugin.settings.snapshot();
    const device = await plugin.enrolment.confirmSetup(caller.user, TOTP, { code: body.code, setupId: body.setupId, label: body.label }, { actor: caller.user.username, ip: requestFacts(req, settings).ip });
    res.status(201).json({ enabled: true, device: { id: device.id, factor: device.factor, label: device.label } });
  }));

  router.delete('/mfa', asyncRoute(async (req, res) => {
    const caller = apiCaller(res);
    await requireRecentMfa(plugin, caller);
    const settings = await plugin.settings.snapshot();
    const ip = requestFacts(req, settings).ip;
    const devices = (await plugin.enrolment.devices(caller.user)).filter((d) => d.factor === TOTP);
    if (devices.length === 0) throw new MfaError('NOT_FOUND', 'This account has no authenticator app to remove.');
    for (const device of devices) await plugin.enrolment.remove(caller.user, TOTP, device.id, { actor: caller.user.username, ip });
    res.json({ removed: devices.length });
  }));
  return router;
}
