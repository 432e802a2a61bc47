import { type Request, type Response, Router } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { isMfaError } from '../../../plugin/errors.ts';
import { outsideOperationScope } from '../../../plugin/store/operationScope.ts';
import { STATUS_BY_ERROR_CODE } from '../errorHandler.ts';
import { factoryById, isApprovalFactor } from '../factorViews.ts';
import { requestFacts } from '../requestFacts.ts';
import { endedLogin, restartLogin } from './secondFactorRoutes.ts';
import { sendServerSentEvents } from './serverSentEvents.ts';
import { saveSession, sessionUserId } from '../webSession.ts';

export interface ChallengeRoutesOptions {
  plugin: MfaPlugin;
  homePath: string;
  loginPath: string;
  /** How often the status stream asks the database again. @default 1000 */
  statusPollMs?: number;
}

/** What GET /mfa/status answers: the page moves on by itself on anything but `pending`. */
export type ApprovalStatus =
  | { outcome: 'pending' }
  /** Approved on the other device: the page posts its form to /mfa, which spends the approval. */
  | { outcome: 'approved' }
  | { outcome: 'passed' | 'failed' | 'expired'; next: string };

function wantsJson(req: Request): boolean {
  return req.accepts(['html', 'json']) === 'json';
}

/**
 * `POST /mfa/challenge {factor}`: asks the factor to prepare what the user answers
 * (engine.challenge), answered by the factor's prompt kind: a sent code flashes the
 * factor's ChallengeView message; a browser ceremony gets the options as JSON; an approval
 * shows its blocks (the number to match) and waits. `GET /mfa/status` and its stream
 * `/mfa/status/events` tell a waiting page how the approval stands.
 */
export function challengeRoutes(options: ChallengeRoutesOptions): Router {
  const { plugin } = options;
  const router = Router();
  const pollMs = options.statusPollMs ?? 1000;
  const expiredNext = `${options.loginPath}?notice=expired`;
  const refusedNext = `${options.loginPath}?notice=refused`;

  router.post('/mfa/challenge', async (req, res, next) => {
    const attemptId = req.session.mfa?.attemptId;
    const json = wantsJson(req);
    const factory = factoryById(plugin, req.body?.factor);
    if (!sessionUserId(req) || !attemptId || req.session.mfa?.state !== 'pending') {
      if (json) return res.status(409).json({ error: 'There is no login waiting for a second factor. Log in again.', code: 'ATTEMPT_EXPIRED' });
      return res.redirect(303, '/mfa');
    }
    if (!factory || !factory.capabilities.sendsChallenge) {
      if (json) return res.status(400).json({ error: 'Choose one of the ways of verifying offered on the page.', code: 'FACTOR_NOT_AVAILABLE' });
      return res.redirect(303, '/mfa');
    }
    try {
      let sent: Awaited<ReturnType<typeof plugin.login.challenge>>;
      try {
        sent = await plugin.login.challenge({ attemptId }, factory.id, requestFacts(req, await plugin.settings.snapshot(), plugin.registry));
      } catch (error) {
        const ended = endedLogin(error);
        if (!isMfaError(error)) throw error;
        if (json) return res.status(ended ? 410 : STATUS_BY_ERROR_CODE[error.code]).json({ error: error.message, code: error.code });
        if (ended) return restartLogin(req, res, options.loginPath, ended);
        // Too soon, too many, the mail server down: the page says so (and how long to wait) above the prompt.
        req.session.mfaFlash = error.message;
        await saveSession(req);
        return res.redirect(303, `/mfa?factor=${encodeURIComponent(factory.id)}`);
      }
      if (json || factory.presentation?.prompt?.kind === 'browser') return res.json(sent.result);
      const view = sent.view;
      if (isApprovalFactor(factory)) {
        req.session.mfaChallenge = { attemptId, factor: factory.id, view };
      } else if (view.message) {
        req.session.mfaFlash = view.message;
      }
      await saveSession(req);
      res.redirect(303, `/mfa?factor=${encodeURIComponent(factory.id)}`);
    } catch (error) {
      next(error);
    }
  });

  /** Where the approval of this session's login stands. Never counts a try, never spends anything. */
  async function approvalStatus(req: Request): Promise<ApprovalStatus> {
    if (!sessionUserId(req)) return { outcome: 'expired', next: expiredNext };
    const marker = req.session.mfa;
    if (marker?.state === 'passed') return { outcome: 'passed', next: options.homePath };
    if (!marker?.attemptId) return { outcome: 'expired', next: expiredNext };
    const factorId = typeof req.query.factor === 'string' ? req.query.factor : '';
    const answer = await plugin.login.approvalState({ attemptId: marker.attemptId }, factorId, requestFacts(req, await plugin.settings.snapshot(), plugin.registry));
    switch (answer) {
      case 'approved':
        return { outcome: 'approved' };
      case 'waiting':
        return { outcome: 'pending' };
      case 'expired':
        return { outcome: 'expired', next: expiredNext };
      default:
        return { outcome: 'failed', next: refusedNext };
    }
  }

  function badFactor(req: Request, res: Response): boolean {
    if (isApprovalFactor(factoryById(plugin, req.query.factor))) return false;
    res.status(400).json({ error: 'Ask for the status of a way of verifying that is approved on another device: ?factor=<id>.', code: 'FACTOR_NOT_AVAILABLE' });
    return true;
  }

  router.get('/mfa/status', async (req, res, next) => {
    try {
      if (badFactor(req, res)) return;
      res.set('Cache-Control', 'no-store').json(await approvalStatus(req));
    } catch (error) {
      next(error);
    }
  });

  /** The same, pushed: one `status` event on every change, the stream ends once the outcome is not `pending`. */
  router.get('/mfa/status/events', async (req, res, next) => {
    try {
      if (badFactor(req, res)) return;
      const first = await approvalStatus(req);
      async function* statuses() {
        let last = '';
        let status = first;
        for (;;) {
          const text = JSON.stringify(status);
          if (text !== last) yield { event: 'status', data: status };
          last = text;
          if (status.outcome !== 'pending') return;
          await new Promise((resolve) => setTimeout(resolve, pollMs));
          // A generator hears return() only at its next yield, which an unchanged status never
          // reaches: without this, a page left waiting would be polled for as long as the login lives.
          if (req.socket.destroyed) return;
          // Each poll reads afresh, not what the request's operation scope kept.
          status = await outsideOperationScope(() => approvalStatus(req));
        }
      }
      await sendServerSentEvents(req, res, statuses());
    } catch (error) {
      next(error);
    }
  });

  return router;
}
