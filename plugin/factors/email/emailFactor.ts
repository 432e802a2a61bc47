import { hashToken, randomToken } from '../../crypto/tokens.ts';
import { MfaError } from '../../errors.ts';
import type { AttemptView, FactorContext, FactorDevice, FactorProvider, FactorProviderFactory, VerifyOutcome } from '../../spi/factor.ts';
import type { HostUser } from '../../spi/host.ts';
import { UserFactorRecords } from '../../store/userFactorRecords.ts';
import { EMAIL_FACTOR_ID, EmailAttemptData, type EmailAttemptState } from './emailAttemptData.ts';
import { generateEmailCode, maskEmailAddress, normalizeEmailCode } from './emailCode.ts';
import { type EmailCodeSent, EmailEnrolment, emailDeviceLabel } from './emailEnrolment.ts';
import { loginCodeMail } from './emailMessages.ts';
import { RateLimits } from '../../store/rateLimits.ts';
import { assertMaySend, type ResendRules, takeUserSend } from './resendThrottle.ts';
import { deliverCode } from './deliverCode.ts';
import { emailCopy, emailPresentation } from './emailPresentation.ts';

/** Login codes are hashed under a subkey of their own (FactorContext.keyedHash). */
const LOGIN_CODE_PURPOSE = 'email/login-code';

/** The hash context that binds a login code to its attempt: a code mailed for one login is worthless for another. */
export function loginCodeContext(attemptId: string): string {
  return `email:${attemptId}`;
}

/**
 * A "This wasn't me" token is `<attempt id>.<secret>`: the id finds the attempt (the
 * secret is stored only hashed, so it cannot be looked up), the 192-bit secret proves
 * the holder got the mail. The attempt id alone opens nothing: no door accepts it from a client.
 */
export function notMeTokenFor(attemptId: string, secret: string): string {
  return `${attemptId}.${secret}`;
}

class EmailProvider implements FactorProvider {
  private readonly records: UserFactorRecords;
  private readonly attempts: EmailAttemptData;
  private readonly enrolment: EmailEnrolment;

  constructor(private readonly context: FactorContext) {
    this.records = new UserFactorRecords(context.db);
    this.attempts = new EmailAttemptData(context.db, context.now);
    this.enrolment = new EmailEnrolment(context, () => this.rules());
  }

  private rules(): ResendRules & { ttlMinutes: number } {
    const settings = this.context.settings;
    return {
      ttlMinutes: settings.integer('factor.email.code_ttl_minutes'),
      intervalSeconds: settings.integer('factor.email.resend_interval_seconds'),
      maxSends: settings.integer('factor.email.max_sends_per_attempt'),
    };
  }

  async configuredFor(user: HostUser): Promise<boolean> {
    return user.email !== '' && (await this.records.countConfirmed(user.id, EMAIL_FACTOR_ID)) > 0;
  }

  async state(): Promise<'unknown'> {
    return 'unknown';
  }

  /**
   * "Send me a code": only ever on the user's request, never when the login opens.
   * A new code replaces the last (only the newest works); the send is counted in the
   * attempt's row before the mail leaves, so limits hold under parallel clicks. The
   * engine's failure count is not touched: a new code buys no new guesses.
   */
  async challenge(attempt: AttemptView, user: HostUser): Promise<Record<string, unknown>> {
    const rules = this.rules();
    const now = this.context.now();
    for (let round = 0; round < 3; round++) {
      const read = await this.attempts.read(attempt.id);
      assertMaySend(read.state, now, rules);
      const hourlyUnit = await takeUserSend(new RateLimits(this.context.db), user.id, this.context.settings.integer('factor.email.max_sends_per_hour'), now);
      const code = generateEmailCode();
      const secret = randomToken(24);
      const expiresAt = Math.min(now + rules.ttlMinutes * 60_000, attempt.expiresAt);
      const sends = read.state.sends + 1;
      const written = await this.attempts.replace(attempt.id, read, {
        codeHash: this.context.keyedHash(LOGIN_CODE_PURPOSE).digest([loginCodeContext(attempt.id), code]),
        codeExpiresAt: expiresAt,
        usedAt: null,
        sends,
        lastSentAt: now,
        notMeHashes: [...read.state.notMeHashes, hashToken(secret)],
      });
      if (!written) {
        await hourlyUnit.giveBack();
        continue; // a parallel request sent one first: read again and let the limits judge
      }
      const host = this.context.host;
      await deliverCode({
        to: user.email,
        send: () =>
          host.sendMail(
            loginCodeMail({
              user,
              siteName: host.siteName(),
              siteOrigin: host.siteOrigin(),
              attempt,
              code,
              expiresAt,
              ttlMinutes: rules.ttlMinutes,
              notMeToken: notMeTokenFor(attempt.id, secret),
            }),
          ),
        // The code the user may already have must keep working, and the failed send must not count.
        undo: async () => {
          await this.undoSend(attempt.id, read.state, sends);
          await hourlyUnit.giveBack();
        },
      });
      const sent: EmailCodeSent = {
        sentTo: maskEmailAddress(user.email),
        expiresAt,
        resendAvailableAt: now + rules.intervalSeconds * 1000,
        sendsLeft: Math.max(0, rules.maxSends - sends),
      };
      return { ...sent };
    }
    throw new MfaError('RATE_LIMITED', 'A code is being sent right now. Wait a moment, then check your mailbox.', { field: 'resend', reason: 'too_soon', retryAfterSeconds: 5 });
  }

  /**
   * Puts back the state from before a send that failed, unless another send has been
   * written since (then that one's state stands).
   */
  private async undoSend(attemptId: string, before: EmailAttemptState, sendsWritten: number): Promise<void> {
    const now = await this.attempts.read(attemptId);
    if (now.state.sends !== sendsWritten) return;
    const { version: _version, ...previous } = before;
    await this.attempts.replace(attemptId, now, previous);
  }

  /** Compares HMACs in constant time, then spends the code with a guarded UPDATE: of two parallel submits, one passes. */
  async verify(attempt: AttemptView, user: HostUser, input: Record<string, unknown>): Promise<VerifyOutcome> {
    const typed = typeof input.code === 'string' ? normalizeEmailCode(input.code) : null;
    if (typed === null && typeof input.code !== 'string') {
      throw new MfaError('INVALID_INPUT', 'Enter the 6-digit code from the email.', { field: 'code' });
    }
    const read = await this.attempts.read(attempt.id);
    const state = read.state;
    if (state.codeHash === null) {
      if (state.usedAt !== null) return { verified: false, reason: 'replayed', message: 'That code was used already. Ask for a new code.' };
      if (state.sends === 0) return { verified: false, reason: 'invalid', message: 'No code has been sent for this login yet. Choose "Send me a code" first.' };
      return { verified: false, reason: 'invalid', message: 'That code no longer works. Ask for a new code.' };
    }
    if (this.context.now() >= state.codeExpiresAt) {
      return { verified: false, reason: 'expired', message: 'That code has expired. Ask for a new code.' };
    }
    if (typed === null || !this.context.keyedHash(LOGIN_CODE_PURPOSE).matches(state.codeHash, [loginCodeContext(attempt.id), typed])) {
      const message = state.sends > 1 ? 'That code is not right. Only the newest code you were sent works.' : 'That code is not right.';
      return { verified: false, reason: 'invalid', message };
    }
    const spent = await this.attempts.replace(attempt.id, read, { ...state, codeHash: null, usedAt: this.context.now() });
    if (!spent) return { verified: false, reason: 'replayed', message: 'That code was used already. Ask for a new code.' };
    const [device] = await this.records.list(user.id, EMAIL_FACTOR_ID);
    if (!device) return { verified: true };
    await this.records.touch(device.id, this.context.now());
    return { verified: true, deviceId: device.id };
  }

  async listDevices(user: HostUser): Promise<FactorDevice[]> {
    return (await this.records.list(user.id, EMAIL_FACTOR_ID)).map((record) => ({
      id: record.id,
      factor: EMAIL_FACTOR_ID,
      label: emailDeviceLabel(user),
      createdAt: record.createdAt,
      lastUsedAt: record.lastUsedAt,
    }));
  }

  async revoke(user: HostUser, deviceId: number): Promise<boolean> {
    return this.records.remove(user.id, EMAIL_FACTOR_ID, deviceId);
  }

  /** Sends a code to the account's address; confirmSetup with that code turns email codes on. Returns where it went (masked). */
  async beginSetup(user: HostUser, input: Record<string, unknown>): Promise<EmailCodeSent> {
    return this.enrolment.begin(user, input);
  }

  async resumeSetup(user: HostUser): Promise<EmailCodeSent | null> {
    return this.enrolment.resume(user);
  }

  async confirmSetup(user: HostUser, input: Record<string, unknown>): Promise<FactorDevice> {
    return this.enrolment.confirm(user, input);
  }
}

/** Codes mailed to the account's address (Moodle tool_mfa's factor_email). */
export const emailFactor: FactorProviderFactory = {
  id: EMAIL_FACTOR_ID,
  displayName: 'Email code',
  referenceCategory: 'email',
  requiresInput: true,
  userSetupAllowed: true,
  capabilities: { requiresInput: true, sendsChallenge: true, worksWithoutBrowser: true, phishingResistant: false, userSetupAllowed: true },
  copy: emailCopy,
  presentation: emailPresentation,
  create: (context) => new EmailProvider(context),
};
