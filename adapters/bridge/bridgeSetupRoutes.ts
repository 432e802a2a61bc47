import { Router } from 'express';
import QRCode from 'qrcode';
import type { Bridge } from '../../plugin/bridge/createBridge.ts';
import { MfaError } from '../../plugin/errors.ts';
import type { FactorProviderFactory } from '../../plugin/spi/factor.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import type { DisplayBlock } from '../../plugin/spi/factorPresentation.ts';
import { asyncRoute } from '../express/asyncRoute.ts';
import { isHeldCodeFactor } from '../express/mfa/factorViews.ts';
import { attemptAnswer } from './bridgeAnswers.ts';
import { callingUser, clientAttempt, requireOwnPlatform } from './bridgeAttempts.ts';
import { beginSetupInput, confirmSetupInput, parseInput } from './bridgeInput.ts';
import { answer, bridgeBody, bridgeClient, noteCall } from './bridgeRequests.ts';

/**
 * The authenticator app the bridge sets up: the first enabled factor a user holds on any
 * client (isHeldCodeFactor) whose set-up step shows a key, chosen by what factors declare
 * (as the JSON API's self-service does), never by id.
 */
async function authenticatorFactor(bridge: Bridge): Promise<FactorProviderFactory> {
  const settings = await bridge.plugin.settings.snapshot();
  const factory = bridge.plugin.registry.enabled(settings).find((f) => isHeldCodeFactor(f) && f.presentation?.presentSetup !== undefined);
  if (!factory) throw new MfaError('FACTOR_NOT_AVAILABLE', 'This site offers no authenticator app to set up.');
  return factory;
}

function blockOf<K extends DisplayBlock['kind']>(blocks: readonly DisplayBlock[], kind: K): Extract<DisplayBlock, { kind: K }> | undefined {
  return blocks.find((block): block is Extract<DisplayBlock, { kind: K }> => block.kind === kind);
}

/**
 * A platform may enrol a user only while they have no way to verify yet (first login with
 * `require_setup`): with one, enrolling another here would let a password alone add a factor.
 * More are added on the site's security page, after MFA.
 */
async function requireNothingSetUp(bridge: Bridge, user: HostUser): Promise<void> {
  if (await bridge.plugin.enrolment.hasInputFactor(user)) {
    throw new MfaError('FORBIDDEN', 'This user already has a way to verify: set-up through the bridge is only for a first factor. They verify with it, or an administrator resets it (mfa-bridge mfa reset <platform>:<username>).');
  }
}

export function bridgeSetupRoutes(bridge: Bridge): Router {
  const router = Router();
  const { enrolment, engine } = bridge.plugin;

  router.post('/users/setup/totp', asyncRoute(async (req, res) => {
    const input = parseInput(beginSetupInput, bridgeBody(res));
    const user = await callingUser(bridge, res, input);
    await requireNothingSetUp(bridge, user);
    const factory = await authenticatorFactor(bridge);
    noteCall(res, { factor: factory.id });
    const setup = await enrolment.beginSetup(user, factory.id, { label: input.platform, ip: null });
    const step = factory.presentation?.presentSetup?.(setup);
    const secret = step && blockOf(step.blocks, 'secret');
    const qr = step && blockOf(step.blocks, 'qr');
    if (!step || !secret || !qr) throw new Error(`factor ${factory.id} shows no key and QR code in its set-up step`);
    // Drawn here: the secret never goes to a chart service, and the platform shows it as it is.
    const qrSvg = await QRCode.toString(qr.value, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    await answer(bridge, req, res, 200, {
      setupId: String(step.carry.setupId),
      secret: secret.value.replace(/\s+/g, ''),
      otpauthUri: qr.value,
      qrSvg,
      expiresAt: step.expiresAt ?? null,
    });
  }));

  router.post('/users/setup/totp/confirm', asyncRoute(async (req, res) => {
    const input = parseInput(confirmSetupInput, bridgeBody(res));
    requireOwnPlatform(input.platform, bridgeClient(res).platform);
    const user = await bridge.platformUsers.known(input.platform, input.userId);
    if (!user) throw new MfaError('NOT_FOUND', 'This user has not begun a set-up: call POST /bridge/v1/users/setup/totp first.');
    noteCall(res, { userId: user.id });
    const waiting = input.attempt ? await clientAttempt(bridge, res, input.attempt) : null;
    if (waiting && waiting.user.id !== user.id) throw new MfaError('INVALID_INPUT', 'That attempt is another user\'s.', { field: 'attempt' });
    await requireNothingSetUp(bridge, user);
    const factory = await authenticatorFactor(bridge);
    noteCall(res, { factor: factory.id });
    await enrolment.confirmSetup(user, factory.id, { setupId: input.setupId, code: input.code }, { actor: `bridge:${bridgeClient(res).clientId}`, ip: waiting?.attempt.ip ?? null });
    if (!waiting) return answer(bridge, req, res, 200, { confirmed: true, outcome: null });
    // Setting up proved possession: it passes the waiting attempt, as on the site's own set-up page.
    const status = await engine.passBySetup(waiting.attempt.id, factory.id, { ip: waiting.attempt.ip, userAgent: waiting.attempt.userAgent });
    const body = attemptAnswer(bridge.plugin, status, waiting.handle);
    noteCall(res, { outcome: body.outcome });
    await answer(bridge, req, res, 200, { confirmed: true, ...body });
  }));

  return router;
}
