import { Router } from 'express';
import QRCode from 'qrcode';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { MfaError } from '../../../plugin/errors.ts';
import type { SettingsSnapshot } from '../../../plugin/settings/settingsStore.ts';
import type { FactorProviderFactory } from '../../../plugin/spi/factor.ts';
import type { DisplayBlock } from '../../../plugin/spi/factorPresentation.ts';
import { factorView } from '../../../web/pages/mfa/factorView.ts';
import { asyncRoute } from '../asyncRoute.ts';
import { isHeldCodeFactory } from '../../../plugin/login/loginFactors.ts';
import { clientIp, requestFacts } from '../requestFacts.ts';
import { apiCaller, authenticateApiCaller } from './apiCaller.ts';
import { accountCaller, inApiWords } from './accountChanges.ts';

/**
 * The factor the API's self-service sets up: the first enabled one, in the site's order,
 * whose answer a user holds on any client (isHeldCodeFactory: the authenticator app) and
 * whose set-up step shows a key to type. Chosen by what factors declare, never by id.
 */
function keyFactor(plugin: MfaPlugin, settings: SettingsSnapshot): FactorProviderFactory {
  const factory = plugin.registry.enabled(settings).find((f) => isHeldCodeFactory(f) && f.presentation?.presentSetup !== undefined);
  if (!factory) throw new MfaError('FACTOR_NOT_AVAILABLE', 'This site offers no authenticator app to set up.');
  return factory;
}

function blockOf<K extends DisplayBlock['kind']>(blocks: readonly DisplayBlock[], kind: K): Extract<DisplayBlock, { kind: K }> | undefined {
  return blocks.find((block): block is Extract<DisplayBlock, { kind: K }> => block.kind === kind);
}

/**
 * MediaSilo's TOTP self-service: `POST /mfa/key` (a new key and QR code), `POST /mfa`
 * `{code}` (prove the app has it: enabled), `DELETE /mfa` (remove it). Always for the
 * caller themself: there is no user parameter, so nobody can set up MFA for another user.
 * The key, QR code and expiry come from the factor's own set-up step (its SetupStep blocks).
 */
export function mfaRoutes(plugin: MfaPlugin): Router {
  const router = Router();
  router.use('/mfa', authenticateApiCaller(plugin));

  router.post('/mfa/key', asyncRoute(async (req, res) => {
    const settings = await plugin.settings.snapshot();
    const caller = accountCaller(apiCaller(res), clientIp(req, settings));
    const factory = keyFactor(plugin, settings);
    const label = typeof req.body?.label === 'string' ? req.body.label : '';
    const setup = await inApiWords(() => plugin.account.beginSetup(caller, factory.id, { label }));
    const step = factory.presentation?.presentSetup?.(setup);
    const secret = step && blockOf(step.blocks, 'secret');
    const qr = step && blockOf(step.blocks, 'qr');
    if (!step || !secret || !qr) throw new Error(`factor ${factory.id} shows no key and QR code in its set-up step`);
    // Drawn here, as on the security page: the secret never goes to a chart service (MediaSilo's qrUrl did).
    const svg = await QRCode.toString(qr.value, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    const setupId = Number(step.carry.setupId);
    res.status(201).set('Cache-Control', 'no-store').json({
      key: secret.value.replace(/\s+/g, ''),
      otpauthUrl: qr.value,
      qrCode: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
      setupId: Number.isInteger(setupId) ? setupId : step.carry.setupId,
      expiresAt: step.expiresAt === undefined ? null : new Date(step.expiresAt).toISOString(),
    });
  }));

  router.post('/mfa', asyncRoute(async (req, res) => {
    const settings = await plugin.settings.snapshot();
    const caller = accountCaller(apiCaller(res), clientIp(req, settings));
    const body = (req.body ?? {}) as Record<string, unknown>;
    const factory = keyFactor(plugin, settings);
    if (typeof body.code !== 'string' || body.code.trim() === '') throw new MfaError('INVALID_INPUT', `Send the code your ${factorView(factory).inSentence} shows now: {"code": "123456"}.`, { field: 'code' });
    const { device } = await inApiWords(() => plugin.account.confirmSetup(caller, factory.id, { code: body.code, setupId: body.setupId, label: body.label }));
    res.status(201).json({ enabled: true, device: { id: device.id, factor: device.factor, label: device.label } });
  }));

  router.delete('/mfa', asyncRoute(async (req, res) => {
    const settings = await plugin.settings.snapshot();
    const caller = accountCaller(apiCaller(res), clientIp(req, settings));
    const factory = keyFactor(plugin, settings);
    await inApiWords(() => plugin.account.requireRecentPass(caller));
    const devices = (await plugin.enrolment.devices(caller.user)).filter((d) => d.factor === factory.id);
    if (devices.length === 0) throw new MfaError('NOT_FOUND', `This account has no ${factorView(factory).inSentence} to remove.`);
    // The rule was checked once above, for all of them.
    for (const device of devices) await plugin.enrolment.remove(caller.user, factory.id, device.id, { actor: caller.user.username, ip: caller.ip });
    res.json({ removed: devices.length });
  }));
  return router;
}
