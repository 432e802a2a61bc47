import { Router } from 'express';
import type { Bridge } from '../../plugin/bridge/createBridge.ts';
import { bridgeService } from '../../plugin/bridge/platformUsers.ts';
import { isMfaError } from '../../plugin/errors.ts';
import { asyncRoute } from '../express/asyncRoute.ts';
import { attemptAnswer, notRequiredAnswer } from './bridgeAnswers.ts';
import { callingUser, clientAttempt, currentAnswer } from './bridgeAttempts.ts';
import { challengeInput, openAttemptInput, parseInput, verifyInput } from './bridgeInput.ts';
import { answer, bridgeBody, bridgeClient, noteCall } from './bridgeRequests.ts';

/**
 * The attempt calls of /bridge/v1 (bridge-protocol.md): open one for a platform user
 * (the site's user or the platform's own, platformUsers.ts), read it, send a challenge, verify an input, consume it.
 * The engine decides everything, as for the site's own doors.
 */
export function bridgeAttemptRoutes(bridge: Bridge): Router {
  const router = Router();
  const { engine, registry } = bridge.plugin;

  router.post('/attempts', asyncRoute(async (req, res) => {
    const input = parseInput(openAttemptInput, bridgeBody(res));
    const user = await callingUser(bridge, res, input);
    noteCall(res, { door: input.door });
    const facts = { ip: input.ip ?? null, userAgent: input.userAgent ?? null };
    // The client's own token door policy: MFA required (the default), or as the site's app toggle says.
    const { tokenDoorPolicy } = bridgeClient(res);
    const opened = await engine.openAttempt({ user, door: input.door, facts, withHandle: true, service: bridgeService(input.platform), tokenDoorPolicy });
    if (opened.outcome === 'not_required' || !('handle' in opened) || !opened.handle) {
      noteCall(res, { outcome: 'not_required' });
      return answer(bridge, req, res, 200, notRequiredAnswer());
    }
    const body = attemptAnswer(bridge.plugin, opened, opened.handle);
    noteCall(res, { outcome: body.outcome });
    await answer(bridge, req, res, 200, body);
  }));

  router.get('/attempts/:attempt', asyncRoute(async (req, res) => {
    const found = await clientAttempt(bridge, res, String(req.params.attempt));
    const body = await currentAnswer(bridge, found);
    noteCall(res, { outcome: body.outcome });
    await answer(bridge, req, res, 200, body);
  }));

  router.post('/attempts/:attempt/challenge', asyncRoute(async (req, res) => {
    const found = await clientAttempt(bridge, res, String(req.params.attempt));
    const input = parseInput(challengeInput, bridgeBody(res));
    noteCall(res, { factor: input.factor });
    const sent = await engine.challenge(found.attempt.id, input.factor, {});
    const factory = registry.all().find((f) => f.id === input.factor);
    const view = factory?.presentation?.presentChallenge?.(sent) ?? {};
    const number = view.blocks?.find((block) => block.kind === 'number');
    await answer(bridge, req, res, 200, {
      sent: true,
      message: view.message ?? null,
      ...(number && number.kind === 'number' ? { number: number.value } : {}),
    });
  }));

  router.post('/attempts/:attempt/verify', asyncRoute(async (req, res) => {
    const found = await clientAttempt(bridge, res, String(req.params.attempt));
    const input = parseInput(verifyInput, bridgeBody(res));
    noteCall(res, { factor: input.factor });
    try {
      const status = await engine.verify(found.attempt.id, input.factor, { code: input.code }, { ip: found.attempt.ip, userAgent: found.attempt.userAgent });
      const body = attemptAnswer(bridge.plugin, status, found.handle);
      noteCall(res, { outcome: body.outcome });
      await answer(bridge, req, res, 200, body);
    } catch (error) {
      // A wrong or replayed code, or a lock, is an answer about the attempt, not a failed call.
      if (!isMfaError(error, 'INVALID_CODE') && !isMfaError(error, 'FACTOR_LOCKED')) throw error;
      const now = await currentAnswer(bridge, found);
      const { triesLeft, reason } = error.details;
      const body = {
        ...now,
        error: { code: error.code, message: error.message, ...(typeof triesLeft === 'number' ? { triesLeft } : {}), ...(typeof reason === 'string' ? { reason } : {}) },
      };
      noteCall(res, { outcome: body.outcome });
      await answer(bridge, req, res, 200, body);
    }
  }));

  router.post('/attempts/:attempt/consume', asyncRoute(async (req, res) => {
    const found = await clientAttempt(bridge, res, String(req.params.attempt));
    const consumed = await engine.consume(found.attempt.id);
    noteCall(res, { outcome: consumed ? 'consumed' : 'not_consumed' });
    await answer(bridge, req, res, 200, { consumed });
  }));

  return router;
}
