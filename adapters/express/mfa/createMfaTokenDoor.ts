import type { Request, Response } from 'express';
import { isBridgeService } from '../../../plugin/bridge/platformUsers.ts';
import { ISSUED_WITHOUT_MFA } from '../../../plugin/credentials/appTokensWithoutMfa.ts';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import type { AttemptStatus } from '../../../plugin/engine/mfaEngine.ts';
import type { RequestFacts } from '../../../plugin/spi/factor.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';
import { withOperationScope } from '../../../plugin/store/operationScope.ts';
import { approvalAnswer } from './approvalProgress.ts';
import { authenticateFactor } from '../passport/doorPassport.ts';
import { factoryById, isApprovalFactor } from './factorViews.ts';
import { requestFacts } from './requestFacts.ts';
import { invalidField, MFA_REQUIRED_FOR_SERVICE, refusal, refusalForError, type RetryFields, type TokenDoorRefusal, tokenExpired } from './tokenDoorErrors.ts';
import { appFactors as factorsForApps, chooseFactor } from './tokenDoorFactors.ts';

export { MFA_REQUIRED_FOR_SERVICE } from './tokenDoorErrors.ts';

/** What the door sees of a login/token.php call; `field` reads GET and POST alike. */
export interface TokenDoorCall {
  req: Request;
  res: Response;
  field: (name: string) => string | undefined | null;
}

/** "A code was mailed": 200, and no `token` key, so an app cannot take it for a token. */
export interface TokenDoorReply {
  allow: false;
  reply: Record<string, unknown>;
}

export type TokenDoorDecision = { allow: true } | TokenDoorRefusal | TokenDoorReply;
export type TokenDoorContinuation = { allow: true; user: HostUser; service: string } | TokenDoorRefusal | TokenDoorReply;

export interface MfaTokenDoor {
  /** `external_token_login`: after the password passed at login/token.php. */
  beforeTokenIssue(call: TokenDoorCall, user: HostUser, service: string): Promise<TokenDoorDecision>;
  /** A call with `mfa_token` (no password): finishes the attempt that token names; null without one. */
  continueTokenLogin(call: TokenDoorCall): Promise<TokenDoorContinuation | null>;
}

interface MfaFields {
  code?: string;
  factor?: string;
  send: boolean;
}

function readFields(call: TokenDoorCall): MfaFields | TokenDoorRefusal {
  const fields: MfaFields = { send: false };
  for (const [name, key] of [['mfa_code', 'code'], ['mfa_factor', 'factor']] as const) {
    const value = call.field(name);
    if (value === null) return invalidField(name);
    fields[key] = value;
  }
  const send = call.field('mfa_send');
  if (send === null || (send !== undefined && !['0', '1', 'true', 'false'].includes(send))) return invalidField('mfa_send');
  fields.send = send === '1' || send === 'true';
  if (fields.send && fields.code !== undefined) return refusal('invalidparameter', 'Send either mfa_send (to get a code) or mfa_code (to use one), not both.');
  return fields;
}

/**
 * The external-service token door (Moodle's login/token.php). With "Enable MFA for the
 * mobile app" off, the engine says MFA is not required here and tokens come after the
 * password, as before. With it on, the same attempt and rules as the web door decide:
 * a user who passes without input gets a token; anyone else gets Moodle's `mfarequired`
 * plus an `mfa_token` (the engine's attempt handle) and the `mfa_factors` an app can use,
 * and finishes with `mfa_token` + `mfa_code`. Clients that know nothing of these fields
 * see only the error they always saw.
 */
export function createMfaTokenDoor(options: { plugin: MfaPlugin }): MfaTokenDoor {
  const { plugin } = options;
  const engine = plugin.engine;

  /** What an app can use here: codes it has, codes the site sends on request, approvals it polls for (mfa_send). */
  const appFactors = (status: AttemptStatus) => factorsForApps(plugin, status);
  const retryFor = (status: AttemptStatus, handle: string): RetryFields => ({ mfa_token: handle, mfa_factors: appFactors(status).usable.map((f) => f.id) });

  /** Where the attempt stands, as the app sees it: still a factor to give, or locked out here. */
  function required(status: AttemptStatus, handle: string): TokenDoorRefusal {
    const { usable, locked } = appFactors(status);
    if (status.outcome === 'failed') return refusal('mfarefused', 'This login was refused. Log in again, or contact your administrator.');
    if (usable.length === 0 && (status.outcome === 'locked' || locked.length > 0)) {
      return refusal('mfalocked', 'Every way of verifying from the app is locked after too many wrong tries. Ask an administrator to unlock it.');
    }
    // Nothing an app can type (only a security key set up, or set-up required): no token to hold on to.
    if (usable.length === 0) return refusal('mfarequired', MFA_REQUIRED_FOR_SERVICE, { mfa_factors: [] });
    return refusal('mfarequired', MFA_REQUIRED_FOR_SERVICE, retryFor(status, handle));
  }

  /**
   * Starts the factor (engine.challenge): mails a code, asks the phone. The same mfa_token
   * stays valid for the answer: a code as mfa_code, or, for an approval, the same call
   * again until the phone answered. What the factor says (its ChallengeView) goes along.
   */
  async function send(status: AttemptStatus, handle: string, fields: MfaFields): Promise<TokenDoorReply | TokenDoorRefusal> {
    const retry = retryFor(status, handle);
    const choice = chooseFactor(plugin, appFactors(status), fields.factor, 'send', retry);
    if ('allow' in choice) return choice;
    try {
      const sent = await engine.challenge(status.attempt.id, choice.factorId, {});
      const factory = factoryById(plugin, choice.factorId);
      const view = factory?.presentation?.presentChallenge?.(sent) ?? {};
      const approval = isApprovalFactor(factory);
      const seconds = (at: unknown) => (typeof at === 'number' ? Math.floor(at / 1000) : null);
      const next = approval ? 'Call again with this mfa_token (no mfa_code) until it is approved.' : 'Send it as mfa_code with this mfa_token.';
      // A number to match on the other device, for the app to show.
      const number = view.blocks?.find((block) => block.kind === 'number');
      return {
        allow: false,
        reply: {
          mfa_sent: true,
          mfa_token: handle,
          mfa_factor: choice.factorId,
          message: `${view.message ?? 'Sent.'} ${next}`,
          ...(number && number.kind === 'number' ? { mfa_number: number.value } : {}),
          // Unix seconds, as Moodle's web services give times.
          mfa_code_expires: seconds(sent.expiresAt),
          mfa_resend_after: seconds(sent.resendAvailableAt),
        },
      };
    } catch (error) {
      return refusalForError(error, retry, choice.factorId);
    }
  }

  /**
   * A call with mfa_token and nothing else, for a user with a factor approved elsewhere:
   * approved → the token; denied → refused; still waiting → `mfapending` (call again).
   * null when the user has no such factor (the call is then missing its mfa_code).
   */
  async function poll(call: TokenDoorCall, status: AttemptStatus, handle: string, facts: RequestFacts): Promise<TokenDoorContinuation | null> {
    const approvals = appFactors(status).usable.filter((f) => isApprovalFactor(factoryById(plugin, f.id)));
    if (approvals.length === 0) return null;
    const retry = retryFor(status, handle);
    for (const factor of approvals) {
      let answer: Awaited<ReturnType<typeof approvalAnswer>>;
      try {
        answer = await approvalAnswer(plugin, status.attempt.id, factor.id, facts);
      } catch (error) {
        return refusalForError(error, retry, factor.id);
      }
      if (answer === 'approved') return verify(call, status, handle, '', factor.id, facts);
      if (answer === 'denied') {
        await engine.cancel(status.attempt.id);
        return refusal('mfadenied', 'This login was denied on your device. If it was not you, change your password.');
      }
    }
    const ids = approvals.map((f) => f.id).join(' or ');
    return refusal('mfapending', `Waiting for your approval on your device (start it with mfa_send=1 and mfa_factor=${ids} if you have not). Call again with this mfa_token in a few seconds.`, retry, 2);
  }

  /** Checks the code through the factor's Passport strategy; a pass is spent once (engine.consume) before any token. */
  async function verify(call: TokenDoorCall, status: AttemptStatus, handle: string, code: string, factor: string | undefined, facts: RequestFacts): Promise<TokenDoorContinuation> {
    const retry = retryFor(status, handle);
    const service = status.attempt.service;
    if (!service) return tokenExpired();
    const choice = chooseFactor(plugin, appFactors(status), factor, isApprovalFactor(factoryById(plugin, factor)) ? 'send' : 'code', retry);
    if ('allow' in choice) return choice;
    try {
      const after = await authenticateFactor(plugin, choice.factorId, { attemptId: status.attempt.id, input: { code }, facts }, call.req, call.res);
      if (after.outcome !== 'passed') return required(after, handle);
      // Of two calls that both passed the check, only one spends the attempt.
      return (await engine.consume(after.attempt.id)) ? { allow: true, user: after.user, service } : tokenExpired();
    } catch (error) {
      return refusalForError(error, retry, choice.factorId);
    }
  }

  return {
    // Each call is one operation: status and verify share what they read (operationScope.ts).
    beforeTokenIssue: (call, user, service) => withOperationScope(() => beforeTokenIssue(call, user, service)),
    continueTokenLogin: (call) => withOperationScope(() => continueTokenLogin(call)),
  };

  async function beforeTokenIssue(call: TokenDoorCall, user: HostUser, service: string): Promise<TokenDoorDecision> {
    const fields = readFields(call);
    if ('allow' in fields) return fields;
    const facts = requestFacts(call.req, await plugin.settings.snapshot(), plugin.registry);
    const opened = await engine.openAttempt({ user, door: 'token', facts, service, withHandle: true });
    if (opened.outcome === 'not_required') {
      // Noted, so that an admin who later switches "Enable MFA for the mobile app" on is told which tokens skipped MFA.
      await plugin.audit.record({ event: 'service_token_issued', userId: user.id, actor: user.username, door: 'token', ip: facts.ip, detail: { service, ...ISSUED_WITHOUT_MFA } });
      return { allow: true };
    }
    // A passed attempt is spent on this one token, never reused for another.
    if (opened.outcome === 'passed') return (await engine.consume(opened.attempt.id)) ? { allow: true } : tokenExpired();
    if (!opened.handle || opened.outcome !== 'pending') return required(opened, opened.handle ?? '');
    if (fields.send) return send(opened, opened.handle, fields);
    if (fields.code === undefined) return required(opened, opened.handle);
    return verify(call, opened, opened.handle, fields.code, fields.factor, facts);
  }

  async function continueTokenLogin(call: TokenDoorCall): Promise<TokenDoorContinuation | null> {
    const handle = call.field('mfa_token');
    if (handle === undefined) return null;
    if (handle === null) return invalidField('mfa_token');
    const fields = readFields(call);
    if ('allow' in fields) return fields;
    const facts = requestFacts(call.req, await plugin.settings.snapshot(), plugin.registry);
    let status: AttemptStatus;
    try {
      const attempt = await engine.findByHandle(handle);
      // A platform's attempt (Keycloak's direct grant) is not an LMS token login, even for the site's own user.
      if (attempt.door !== 'token' || isBridgeService(attempt.service)) return tokenExpired();
      status = await engine.status(attempt.id, facts);
    } catch (error) {
      return refusalForError(error, {});
    }
    // Only the call that passes the attempt spends it: one that finds it passed came second.
    if (status.attempt.status !== 'pending') return tokenExpired();
    if (status.outcome !== 'pending') return required(status, handle);
    if (fields.send) return send(status, handle, fields);
    if (fields.code === undefined) return (await poll(call, status, handle, facts)) ?? refusal('missingparam', 'A required parameter (mfa_code) was missing', retryFor(status, handle));
    return verify(call, status, handle, fields.code, fields.factor, facts);
  }
}
