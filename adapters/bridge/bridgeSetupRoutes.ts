import { type Response, Router } from 'express';
import QRCode from 'qrcode';
import type { AccountCaller } from '../../plugin/account/mfaAccount.ts';
import type { Bridge } from '../../plugin/createBridge.ts';
import { MfaError } from '../../plugin/errors.ts';
import { setsUpAWayIn } from '../../plugin/login/loginFactors.ts';
import type { LoginKey } from '../../plugin/login/loginStep.ts';
import type { AnyFactorProviderFactory } from '../../plugin/spi/factor.ts';
import type { DisplayBlock, SetupStep } from '../../plugin/spi/factorPresentation.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import { asyncRoute } from '../express/asyncRoute.ts';
import { stepAnswer } from './bridgeAnswers.ts';
import { callingUser, requireOwnPlatform } from './bridgeAttempts.ts';
import { beginSetupInput, confirmSetupInput, parseInput } from './bridgeInput.ts';
import { answer, bridgeBody, bridgeClient, noteCall } from './bridgeRequests.ts';

/** A factor a platform may set up for its user, by what it declares (a way in, set up by users, shown by a step), named in the path. */
async function settableFactor(bridge: Bridge, id: string): Promise<AnyFactorProviderFactory> {
  const settings = await bridge.plugin.settings.snapshot();
  const factory = bridge.plugin.registry.enabled(settings).find((f) => f.id === id);
  if (!factory || !setsUpAWayIn(factory) || !factory.presentation?.presentSetup) {
    const ids = bridge.plugin.registry.enabled(settings).filter((f) => setsUpAWayIn(f) && f.presentation?.presentSetup).map((f) => f.id);
    throw new MfaError('NOT_FOUND', `No factor "${id}" can be set up through the bridge. Set up one of: ${ids.join(', ')}.`, { field: 'factor' });
  }
  return factory;
}

/**
 * A platform may enrol a user only while they have no way to verify yet (first login with
 * `require_setup`): with one, enrolling another here would let a password alone add a factor.
 * More are added on the site's security page, after MFA. (The account protocol's recent-pass
 * rule refuses the same caller; this says it in the bridge's words.)
 */
async function requireNothingSetUp(bridge: Bridge, user: HostUser): Promise<void> {
  if (await bridge.plugin.enrolment.hasInputFactor(user)) {
    throw new MfaError('FORBIDDEN', 'This user already has a way to verify: set-up through the bridge is only for a first factor. They verify with it, or an administrator resets it (mfa-bridge mfa reset <platform>:<username>).');
  }
}

/** A platform's user setting up their first factor: no MFA pass (they have nothing to pass with), their password just now on the platform. */
function platformCaller(bridge: Bridge, res: Response, user: HostUser): AccountCaller {
  return { user, passedAt: null, loggedInAt: bridge.plugin.now(), door: 'web', ip: null, actor: `bridge:${bridgeClient(res).clientId}` };
}

/** The step's blocks as the platform shows them: a QR code comes drawn (SVG), so the secret never goes to a chart service. */
async function drawnBlocks(blocks: readonly DisplayBlock[]): Promise<Array<DisplayBlock & { svg?: string }>> {
  return Promise.all(blocks.map(async (block) => (block.kind === 'qr' ? { ...block, svg: await QRCode.toString(block.value, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }) } : block)));
}

function blockOf<K extends DisplayBlock['kind']>(blocks: readonly DisplayBlock[], kind: K): Extract<DisplayBlock, { kind: K }> | undefined {
  return blocks.find((block): block is Extract<DisplayBlock, { kind: K }> => block.kind === kind);
}

/**
 * Setting up a first factor for a platform's user (docs/bridge-protocol.md): `POST
 * /users/setup/{factor}` begins it and answers the factor's own set-up step (its blocks,
 * QR codes drawn, and how it is confirmed), `.../confirm` finishes it and, with `attempt`,
 * passes the login waiting on it. Factor-neutral: any factor that is a way in and shows a
 * step; for a key to type (an authenticator app) the answer also carries `secret`,
 * `otpauthUri` and `qrSvg` at the top, as a platform's form reads them.
 */
export function bridgeSetupRoutes(bridge: Bridge): Router {
  const router = Router();
  const { account, login } = bridge.plugin;

  router.post('/users/setup/:factor', asyncRoute(async (req, res) => {
    const input = parseInput(beginSetupInput, bridgeBody(res));
    const user = await callingUser(bridge, res, input);
    await requireNothingSetUp(bridge, user);
    const factory = await settableFactor(bridge, String(req.params.factor));
    noteCall(res, { factor: factory.id });
    const setup = await account.beginSetup(platformCaller(bridge, res, user), factory.id, { label: input.platform });
    const step: SetupStep | undefined = factory.presentation?.presentSetup?.(setup);
    if (!step) throw new Error(`factor ${factory.id} began a set-up it cannot present (presentation.presentSetup)`);
    const blocks = await drawnBlocks(step.blocks);
    const secret = blockOf(step.blocks, 'secret');
    const qr = blocks.find((block) => block.kind === 'qr');
    await answer(bridge, req, res, 200, {
      factor: factory.id,
      setupId: String(step.carry.setupId),
      step: { title: step.title, blocks, confirm: step.confirm, carry: step.carry },
      ...(secret ? { secret: secret.value.replace(/\s+/g, '') } : {}),
      ...(qr?.kind === 'qr' ? { otpauthUri: qr.value, qrSvg: qr.svg } : {}),
      expiresAt: step.expiresAt ?? null,
    });
  }));

  router.post('/users/setup/:factor/confirm', asyncRoute(async (req, res) => {
    const input = parseInput(confirmSetupInput, bridgeBody(res));
    requireOwnPlatform(input.platform, bridgeClient(res).platform);
    const user = await bridge.platformUsers.known(input.platform, input.userId);
    if (!user) throw new MfaError('NOT_FOUND', `This user has not begun a set-up: call POST /bridge/v1/users/setup/${String(req.params.factor)} first.`);
    noteCall(res, { userId: user.id });
    const key: LoginKey | null = input.attempt ? { handle: input.attempt, service: { platform: input.platform } } : null;
    if (key) {
      const waiting = await login.status(key, undefined, { spend: false });
      stepAnswer(waiting, (id) => bridge.plugin.registry.factory(id));
      if ('user' in waiting && waiting.user.id !== user.id) throw new MfaError('INVALID_INPUT', 'That attempt is another user\'s.', { field: 'attempt' });
    }
    await requireNothingSetUp(bridge, user);
    const factory = await settableFactor(bridge, String(req.params.factor));
    noteCall(res, { factor: factory.id });
    const confirmed = await account.confirmSetup(platformCaller(bridge, res, user), factory.id, { setupId: input.setupId, code: input.code }, key ? { key, options: { spend: false } } : undefined);
    if (!confirmed.login) return answer(bridge, req, res, 200, { confirmed: true, outcome: null });
    // Setting up proved possession: it passes the waiting attempt, as on the site's own set-up page.
    const body = stepAnswer(confirmed.login, (id) => bridge.plugin.registry.factory(id));
    noteCall(res, { outcome: body.outcome });
    await answer(bridge, req, res, 200, { confirmed: true, ...body });
  }));

  return router;
}
