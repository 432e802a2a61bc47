import { MfaError } from '../../errors.ts';
import type { FactorContext, FactorDevice } from '../../spi/factor.ts';
import type { HostUser } from '../../spi/host.ts';
import { type UserFactorRecord, UserFactorRecords } from '../../store/userFactorRecords.ts';
import { EMAIL_FACTOR_ID } from './emailAttemptData.ts';
import { generateEmailCode, maskEmailAddress, normalizeEmailCode } from './emailCode.ts';
import { setupCodeMail } from './emailMessages.ts';
import { replaceUserFactorData } from './guardedDataUpdate.ts';
import { RateLimits } from '../../store/rateLimits.ts';
import { deliverCode } from './deliverCode.ts';
import { assertMaySend, type ResendRules, takeUserSend } from './resendThrottle.ts';

/** A set-up left unconfirmed this long is abandoned; the next "turn on" starts afresh (and its send limits with it). */
export const EMAIL_SETUP_WINDOW_MS = 60 * 60 * 1000;

/**
 * Wrong codes one set-up code survives. Set-up is not a login, so the engine's lockout
 * does not count here; without a limit a stolen session could try all 10^6 codes.
 * After this many, the code is void and the user asks for a new one (itself throttled).
 */
export const EMAIL_SETUP_MAX_WRONG_CODES = 5;

/** What beginSetup (and the engine's challenge) tell the page: where the code went, and when another may be asked for. */
export interface EmailCodeSent {
  setupId?: number;
  /** The address, masked: `j***@example.com`. */
  sentTo: string;
  expiresAt: number;
  resendAvailableAt: number;
  sendsLeft: number;
}

interface SetupState {
  version: number;
  codeHash: string | null;
  codeExpiresAt: number;
  sends: number;
  lastSentAt: number;
  wrongCodes: number;
}

/** Set-up codes are hashed under a subkey of their own, apart from login codes (FactorContext.keyedHash). */
const SETUP_CODE_PURPOSE = 'email/setup-code';

const FRESH_SETUP: SetupState = { version: 0, codeHash: null, codeExpiresAt: 0, sends: 0, lastSentAt: 0, wrongCodes: 0 };

function stateOf(record: UserFactorRecord): SetupState {
  return { ...FRESH_SETUP, ...(record.data as Partial<SetupState>) };
}

/** The raw column for the compare-and-swap guard: mfa_user_factors.data as stored. */
function rawOf(record: UserFactorRecord): string | null {
  return Object.keys(record.data).length === 0 ? null : JSON.stringify(record.data);
}

export function emailDeviceLabel(user: HostUser): string {
  return `Email codes to ${maskEmailAddress(user.email)}`;
}

/**
 * Turning email codes on: a code goes to the account's address and the user types it
 * back, proving they receive mail there. The confirmed row (factor 'email') carries no
 * address: the factor always mails the account's current address.
 */
export class EmailEnrolment {
  private readonly records: UserFactorRecords;

  constructor(
    private readonly context: FactorContext,
    private readonly rules: () => ResendRules & { ttlMinutes: number },
  ) {
    this.records = new UserFactorRecords(context.db);
  }

  async begin(user: HostUser, input: Record<string, unknown>): Promise<EmailCodeSent> {
    if (!user.email) throw new MfaError('FACTOR_NOT_AVAILABLE', 'Your account has no email address. Add one to your profile first.');
    if ((await this.records.countConfirmed(user.id, EMAIL_FACTOR_ID)) > 0) {
      throw new MfaError('INVALID_INPUT', 'Email codes are already on for your account.');
    }
    const now = this.context.now();
    await this.records.removeStalePending(user.id, EMAIL_FACTOR_ID, now - EMAIL_SETUP_WINDOW_MS);
    const rules = this.rules();
    for (let round = 0; round < 3; round++) {
      const pending = await this.openSetup(user, input);
      const state = stateOf(pending);
      assertMaySend(state, now, rules);
      const hourlyUnit = await takeUserSend(new RateLimits(this.context.db), user.id, this.context.settings.integer('factor.email.max_sends_per_hour'), now);
      const code = generateEmailCode();
      const expiresAt = Math.min(now + rules.ttlMinutes * 60_000, pending.createdAt + EMAIL_SETUP_WINDOW_MS);
      const next: SetupState = {
        version: state.version + 1,
        codeHash: this.context.keyedHash(SETUP_CODE_PURPOSE).digest([`email-setup:${pending.id}`, code]),
        codeExpiresAt: expiresAt,
        sends: state.sends + 1,
        lastSentAt: now,
        wrongCodes: 0,
      };
      // Another request for this set-up wrote first: read again, so its send counts against the limits.
      if (!(await replaceUserFactorData(this.context.db, pending.id, rawOf(pending), next))) {
        await hourlyUnit.giveBack();
        continue;
      }
      await deliverCode({
        to: user.email,
        send: () => this.context.host.sendMail(setupCodeMail({ user, siteName: this.context.host.siteName(), code, expiresAt, ttlMinutes: rules.ttlMinutes })),
        // Back to the state before this send (a newer version, so no stale reader's guard matches), unless another send came since.
        undo: async () => {
          await replaceUserFactorData(this.context.db, pending.id, JSON.stringify(next), { ...state, version: next.version + 1 });
          await hourlyUnit.giveBack();
        },
      });
      return {
        setupId: pending.id,
        sentTo: maskEmailAddress(user.email),
        expiresAt,
        resendAvailableAt: now + rules.intervalSeconds * 1000,
        sendsLeft: Math.max(0, rules.maxSends - next.sends),
      };
    }
    throw new MfaError('RATE_LIMITED', 'A code is being sent right now. Wait a moment, then check your mailbox.', { field: 'resend', reason: 'too_soon', retryAfterSeconds: 5 });
  }

  /** The open set-up (without sending anything), for the page after a mistyped code; null when none is open. */
  async resume(user: HostUser): Promise<EmailCodeSent | null> {
    const pending = await this.currentSetup(user);
    if (!pending) return null;
    const state = stateOf(pending);
    const rules = this.rules();
    return {
      setupId: pending.id,
      sentTo: maskEmailAddress(user.email),
      expiresAt: state.codeExpiresAt,
      resendAvailableAt: state.lastSentAt + rules.intervalSeconds * 1000,
      sendsLeft: Math.max(0, rules.maxSends - state.sends),
    };
  }

  async confirm(user: HostUser, input: Record<string, unknown>): Promise<FactorDevice> {
    const pending = await this.currentSetup(user);
    if (!pending || (input.setupId !== undefined && Number(input.setupId) !== pending.id)) {
      throw new MfaError('SETUP_EXPIRED', 'This set-up is no longer open. Ask for a new code to turn on email codes.');
    }
    const typed = typeof input.code === 'string' ? normalizeEmailCode(input.code) : null;
    if (typed === null) throw new MfaError('INVALID_INPUT', 'Enter the 6-digit code from the email.', { field: 'code' });
    const state = stateOf(pending);
    const now = this.context.now();
    if (state.codeHash === null || state.wrongCodes >= EMAIL_SETUP_MAX_WRONG_CODES) {
      throw new MfaError('SETUP_EXPIRED', 'That code no longer works. Ask for a new code.');
    }
    if (now >= state.codeExpiresAt) throw new MfaError('SETUP_EXPIRED', 'That code has expired. Ask for a new code.');
    if (!this.context.keyedHash(SETUP_CODE_PURPOSE).matches(state.codeHash, [`email-setup:${pending.id}`, typed])) {
      const wrongCodes = state.wrongCodes + 1;
      const counted = await replaceUserFactorData(this.context.db, pending.id, rawOf(pending), { ...state, version: state.version + 1, wrongCodes });
      const left = counted ? EMAIL_SETUP_MAX_WRONG_CODES - wrongCodes : 0;
      throw new MfaError(
        'INVALID_CODE',
        left > 0 ? `That code is not right. ${left} ${left === 1 ? 'try' : 'tries'} left.` : 'That code is not right, and it no longer works. Ask for a new code.',
        { field: 'code', triesLeft: left },
      );
    }
    // Spend the code first (guarded), then confirm: two submits of one code cannot both turn the factor on.
    const spent = await replaceUserFactorData(this.context.db, pending.id, rawOf(pending), { ...state, version: state.version + 1, codeHash: null });
    if (!spent || !(await this.records.confirm(pending.id, { label: 'Email', confirmedAt: now }))) {
      throw new MfaError('SETUP_EXPIRED', 'This set-up is no longer open. Ask for a new code to turn on email codes.');
    }
    return { id: pending.id, factor: EMAIL_FACTOR_ID, label: emailDeviceLabel(user), createdAt: pending.createdAt, lastUsedAt: now };
  }

  private async currentSetup(user: HostUser): Promise<UserFactorRecord | null> {
    const [pending] = await this.records.list(user.id, EMAIL_FACTOR_ID, 'pending');
    if (!pending || this.context.now() - pending.createdAt > EMAIL_SETUP_WINDOW_MS) return null;
    return pending;
  }

  private async openSetup(user: HostUser, input: Record<string, unknown>): Promise<UserFactorRecord> {
    const current = await this.currentSetup(user);
    if (current) return current;
    const id = await this.records.insert({
      userId: user.id,
      factor: EMAIL_FACTOR_ID,
      label: 'Email',
      data: { ...FRESH_SETUP },
      createdAt: this.context.now(),
      createdFromIp: typeof input.ip === 'string' ? input.ip : null,
    });
    // Two requests may both have found none: the oldest open set-up wins, the other row goes.
    const oldest = await this.currentSetup(user);
    if (oldest && oldest.id !== id) await this.records.remove(user.id, EMAIL_FACTOR_ID, id);
    if (!oldest) throw new MfaError('SETUP_EXPIRED', 'The set-up could not be started. Try again.');
    return oldest;
  }
}
