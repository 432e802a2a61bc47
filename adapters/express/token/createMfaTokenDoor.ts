import type { Request, Response } from 'express';
import { ISSUED_WITHOUT_MFA } from '../../../plugin/credentials/appTokensWithoutMfa.ts';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { isMfaError } from '../../../plugin/errors.ts';
import { factorsFor } from '../../../plugin/login/factorChoice.ts';
import type { LoginFactor, LoginKey, LoginStep } from '../../../plugin/login/loginStep.ts';
import type { RequestFacts } from '../../../plugin/spi/factor.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';
import { withOperationScope } from '../../../plugin/store/operationScope.ts';
import { requestFacts } from '../requestFacts.ts';
import { invalidField, MFA_REQUIRED_FOR_SERVICE, refusal, refusalForError, type RetryFields, type TokenDoorRefusal, tokenExpired } from './tokenDoorErrors.ts';

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

/** What an app can use: codes it has, codes the site sends on request, approvals it polls for (capabilities, never ids). */
function appFactors(factors: readonly LoginFactor[]): { usable: LoginFactor[]; locked: LoginFactor[] } {
  return factorsFor(factors, { browser: false, sentCodes: true });
}

/**
 * The external-service token door (Moodle's login/token.php). With "Enable MFA for the
 * mobile app" off, the engine says MFA is not required here and tokens come after the
 * password, as before. With it on, the same login protocol as the web door decides: a
 * user who passes without input gets a token; anyone else gets Moodle's `mfarequired`
 * plus an `mfa_token` (the login's handle) and the `mfa_factors` an app can use, and
 * finishes with `mfa_token` + `mfa_code`. Clients that know nothing of these fields see
 * only the error they always saw. Each call is one engine call; this file only says the
 * step in Moodle's words.
 */
export function createMfaTokenDoor(options: { plugin: MfaPlugin }): MfaTokenDoor {
  const { plugin } = options;

  const retryFor = (factors: readonly LoginFactor[], handle: string): RetryFields => ({ mfa_token: handle, mfa_factors: appFactors(factors).usable.map((f) => f.id) });

  /** The login's step in Moodle's terms: a token for the one caller that spent the pass, or an error body. */
  function translate(step: LoginStep, service: string | null): TokenDoorContinuation {
    switch (step.kind) {
      case 'not_required':
        return tokenExpired();
      case 'passed':
        return service ? { allow: true, user: step.user, service } : tokenExpired();
      case 'ended':
        if (step.reason === 'denied') return refusal('mfadenied', 'This login was denied on your device. If it was not you, change your password.');
        return step.reason === 'refused' ? refusal('mfarefused', step.error.message) : tokenExpired();
      case 'setup_required':
        // Nothing an app can answer: no token to hold on to.
        return refusal('mfarequired', MFA_REQUIRED_FOR_SERVICE, { mfa_factors: [] });
      case 'locked':
        return refusal('mfalocked', step.error?.message ?? 'Every way of verifying from the app is locked after too many wrong tries. Ask an administrator to unlock it.');
      case 'pending': {
        const handle = step.login.handle ?? '';
        const retry = retryFor(step.factors, handle);
        if (step.error) return refusalOf(step, retry);
        const { usable, locked } = appFactors(step.factors);
        if (usable.length === 0 && locked.length > 0) return refusal('mfalocked', 'Every way of verifying from the app is locked after too many wrong tries. Ask an administrator to unlock it.');
        // Nothing an app can type (only a security key set up): no token to hold on to.
        if (usable.length === 0) return refusal('mfarequired', MFA_REQUIRED_FOR_SERVICE, { mfa_factors: [] });
        return refusal('mfarequired', MFA_REQUIRED_FOR_SERVICE, retry);
      }
    }
  }

  /** Why the last answer did not pass, in Moodle's words, with what the app needs to try again. */
  function refusalOf(step: Extract<LoginStep, { kind: 'pending' }>, retry: RetryFields): TokenDoorRefusal {
    const error = step.error;
    const ids = retry.mfa_factors ?? [];
    switch (error?.code) {
      case 'APPROVAL_PENDING': {
        const approvals = appFactors(step.factors).usable.filter((f) => f.prompt === 'approval').map((f) => f.id).join(' or ');
        return refusal('mfapending', `Waiting for your approval on your device (start it with mfa_send=1 and mfa_factor=${approvals} if you have not). Call again with this mfa_token in a few seconds.`, retry, 2);
      }
      case 'FACTOR_REQUIRED':
        return refusal('mfafactorrequired', `Say which way you verify: send mfa_factor, one of: ${ids.join(', ')}.`, retry);
      case 'FACTOR_NOT_AVAILABLE':
        return refusal('mfafactorunavailable', ids.length ? `mfa_factor must be one of: ${ids.join(', ')}.` : 'No way of verifying works from the app for this account.', retry);
      case 'INVALID_INPUT':
        // No code, and no approval to wait for.
        if (error.details.field === 'code') return refusal('missingparam', 'A required parameter (mfa_code) was missing', retry);
        return refusalForError(error, retry);
      case 'FACTOR_LOCKED':
        return refusal('mfalocked', error.message, ids.length > 0 ? retry : {});
      default:
        return refusalForError(error, retry);
    }
  }

  /**
   * Starts a factor (`login.challenge`): mails a code, asks the phone. The same mfa_token
   * stays valid for the answer: a code as mfa_code, or, for an approval, the same call
   * again until the phone answered. What the factor says (its ChallengeView) goes along.
   */
  async function send(key: LoginKey, step: Extract<LoginStep, { kind: 'pending' }>, fields: MfaFields, facts: RequestFacts): Promise<TokenDoorReply | TokenDoorRefusal> {
    const handle = step.login.handle ?? '';
    const retry = retryFor(step.factors, handle);
    try {
      const sent = await plugin.login.challenge(key, fields.factor, facts);
      const approval = step.factors.find((f) => f.id === sent.factor)?.prompt === 'approval';
      const next = approval ? 'Call again with this mfa_token (no mfa_code) until it is approved.' : 'Send it as mfa_code with this mfa_token.';
      // A number to match on the other device, for the app to show.
      const number = sent.view.blocks?.find((block) => block.kind === 'number');
      // Unix seconds, as Moodle's web services give times.
      const seconds = (at: number | null) => (at === null ? null : Math.floor(at / 1000));
      return {
        allow: false,
        reply: {
          mfa_sent: true,
          mfa_token: handle,
          mfa_factor: sent.factor,
          message: `${sent.view.message ?? 'Sent.'} ${next}`,
          ...(number && number.kind === 'number' ? { mfa_number: number.value } : {}),
          mfa_code_expires: seconds(sent.expiresAt),
          mfa_resend_after: seconds(sent.resendAvailableAt),
        },
      };
    } catch (error) {
      if (!isMfaError(error)) throw error;
      return refusalOf({ ...step, error }, retry);
    }
  }

  async function beforeTokenIssue(call: TokenDoorCall, user: HostUser, service: string): Promise<TokenDoorDecision> {
    const fields = readFields(call);
    if ('allow' in fields) return fields;
    const facts = requestFacts(call.req, await plugin.settings.snapshot(), plugin.registry);
    const answer = fields.code !== undefined ? { factor: fields.factor, input: { code: fields.code } } : null;
    const step = await plugin.login.start({ user, door: 'token', facts, service, handle: true, answer });
    if (step.kind === 'not_required') {
      // Noted, so that an admin who later switches "Enable MFA for the mobile app" on is told which tokens skipped MFA.
      await plugin.audit.record({ event: 'service_token_issued', userId: user.id, actor: user.username, door: 'token', ip: facts.ip, detail: { service, ...ISSUED_WITHOUT_MFA } });
      return { allow: true };
    }
    if (fields.send && step.kind === 'pending' && step.login.handle) return send({ handle: step.login.handle, door: 'token' }, step, fields, facts);
    const decision = translate(step, service);
    return decision.allow ? { allow: true } : decision;
  }

  async function continueTokenLogin(call: TokenDoorCall): Promise<TokenDoorContinuation | null> {
    const handle = call.field('mfa_token');
    if (handle === undefined) return null;
    if (handle === null) return invalidField('mfa_token');
    const fields = readFields(call);
    if ('allow' in fields) return fields;
    const facts = requestFacts(call.req, await plugin.settings.snapshot(), plugin.registry);
    // A platform's login (Keycloak's direct grant) is not an LMS token login, even for the site's own user: the key says whose it may be.
    const key: LoginKey = { handle, door: 'token' };
    if (fields.send) {
      const step = await plugin.login.status(key, facts);
      return step.kind === 'pending' ? send(key, step, fields, facts) : translate(step, step.kind === 'passed' ? step.login.service : null);
    }
    // No code: the app asks whether its approval on another device came.
    const step = await plugin.login.answer(key, { factor: fields.factor, input: fields.code === undefined ? {} : { code: fields.code } }, facts);
    return translate(step, step.kind === 'passed' ? step.login.service : null);
  }

  return {
    // Each call is one operation: what the login's steps read twice is read once (operationScope.ts).
    beforeTokenIssue: (call, user, service) => withOperationScope(() => beforeTokenIssue(call, user, service)),
    continueTokenLogin: (call) => withOperationScope(() => continueTokenLogin(call)),
  };
}
