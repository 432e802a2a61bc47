import { type Response, Router } from 'express';
import type { Bridge } from '../../plugin/createBridge.ts';
import type { LoginKey, LoginStep } from '../../plugin/login/loginStep.ts';
import { asyncRoute } from '../express/asyncRoute.ts';
import { stepAnswer } from './bridgeAnswers.ts';
import { callingUser } from './bridgeAttempts.ts';
import { challengeInput, openAttemptInput, parseInput, verifyInput } from './bridgeInput.ts';
import { answer, bridgeBody, bridgeClient, noteCall } from './bridgeRequests.ts';

/** What a verify may answer with 200 and the attempt as it stands: a wrong or replayed code, a lock. Anything else is a failed call. */
const ANSWERED_ERRORS = new Set(['INVALID_CODE', 'FACTOR_LOCKED']);

/**
 * The attempt calls of /bridge/v1 (docs/bridge-protocol.md): open one for a platform user
 * (the site's user or the platform's own, platformUsers.ts), read it, send a challenge,
 * verify an input, consume it. Each is one call of the login protocol (`plugin.login`),
 * which decides everything as for the site's own doors; a platform's login is kept passed
 * until its own consume call spends it.
 */
export function bridgeAttemptRoutes(bridge: Bridge): Router {
  const router = Router();
  const { login, registry } = bridge.plugin;
  const factory = (id: string) => registry.factory(id);
  /** A handle of this client's platform: another platform's (and the site's own logins) are unknown here. */
  const keyOf = (res: Response, handle: string): LoginKey => ({ handle, service: { platform: bridgeClient(res).platform } });

  /** The step as the platform reads it, noted on the call's audit row. */
  function answered(res: Response, step: LoginStep) {
    if ('user' in step) noteCall(res, { userId: step.user.id, ...('login' in step ? { door: step.login.door } : {}) });
    const body = stepAnswer(step, factory);
    noteCall(res, { outcome: body.outcome });
    return body;
  }

  router.post('/attempts', asyncRoute(async (req, res) => {
    const input = parseInput(openAttemptInput, bridgeBody(res));
    const user = await callingUser(bridge, res, input);
    noteCall(res, { door: input.door });
    const facts = { ip: input.ip ?? null, userAgent: input.userAgent ?? null };
    // The client's own token door policy: MFA required (the default), or as the site's app toggle says.
    const { tokenDoorPolicy } = bridgeClient(res);
    const step = await login.start({ user, door: input.door, facts, service: { platform: input.platform }, handle: true, spend: false, tokenDoorPolicy });
    await answer(bridge, req, res, 200, answered(res, step));
  }));

  router.get('/attempts/:attempt', asyncRoute(async (req, res) => {
    const step = await login.status(keyOf(res, String(req.params.attempt)), undefined, { spend: false });
    await answer(bridge, req, res, 200, answered(res, step));
  }));

  router.post('/attempts/:attempt/challenge', asyncRoute(async (req, res) => {
    const key = keyOf(res, String(req.params.attempt));
    const input = parseInput(challengeInput, bridgeBody(res));
    noteCall(res, { factor: input.factor });
    // An unknown handle is NOT_FOUND (404), a gone login ATTEMPT_EXPIRED (410), as for the other calls.
    const sent = await login.challenge(key, input.factor);
    noteCall(res, { userId: sent.login.userId, door: sent.login.door });
    const number = sent.view.blocks?.find((block) => block.kind === 'number');
    await answer(bridge, req, res, 200, {
      sent: true,
      message: sent.view.message ?? null,
      ...(number && number.kind === 'number' ? { number: number.value } : {}),
    });
  }));

  router.post('/attempts/:attempt/verify', asyncRoute(async (req, res) => {
    const key = keyOf(res, String(req.params.attempt));
    const input = parseInput(verifyInput, bridgeBody(res));
    noteCall(res, { factor: input.factor });
    const step = await login.answer(key, { factor: input.factor, input: { code: input.code } }, undefined, { spend: false });
    // A wrong or replayed code, or a lock, is an answer about the attempt, not a failed call.
    if ((step.kind === 'pending' || step.kind === 'locked') && step.error && !ANSWERED_ERRORS.has(step.error.code)) throw step.error;
    await answer(bridge, req, res, 200, answered(res, step));
  }));

  router.post('/attempts/:attempt/consume', asyncRoute(async (req, res) => {
    const { spent, login: spentLogin } = await login.finish(keyOf(res, String(req.params.attempt)));
    noteCall(res, { userId: spentLogin.userId, door: spentLogin.door, outcome: spent ? 'consumed' : 'not_consumed' });
    await answer(bridge, req, res, 200, { consumed: spent });
  }));

  return router;
}
