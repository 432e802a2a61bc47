import type { FactorEnrolment } from '../engine/factorEnrolment.ts';
import type { FactorRegistry } from '../engine/factorRegistry.ts';
import { type RecentPassDependencies, recentPassRequired } from '../engine/recentMfaPass.ts';
import { MfaError } from '../errors.ts';
import type { MfaLogin } from '../login/mfaLogin.ts';
import type { AnswerOptions, LoginKey, LoginStep } from '../login/loginStep.ts';
import type { Door, FactorDevice, FactorInput, RequestFacts } from '../spi/factor.ts';
import type { HostUser } from '../spi/host.ts';

/**
 * Who asks for a change to an account's factors, and what they proved: a browser session,
 * an API session, a platform behind the bridge. Always the user themself: nobody enrols a
 * factor for someone else (an administrator resets, never enrols).
 */
export interface AccountCaller {
  user: HostUser;
  /** When this caller last passed MFA (the session's pass); null or undefined: never. */
  passedAt: number | null | undefined;
  /** When the password login that began this caller's session happened; null when not known. */
  loggedInAt: number | null | undefined;
  door: Door;
  ip: string | null;
  /** Who is acting, for the audit trail. @default the user's username */
  actor?: string;
}

/** A login waiting for its user to set a factor up (require_setup): the new factor passes it. */
export interface WaitingLogin {
  key: LoginKey;
  /** The request's facts; without them, the login's own from its start. */
  facts?: RequestFacts;
  options?: AnswerOptions;
}

export interface MfaAccountDependencies extends RecentPassDependencies {
  enrolment: FactorEnrolment;
  registry: FactorRegistry;
  login: MfaLogin;
}

/**
 * A user's own factors, one call per step (set up, confirm, rename, remove), each behind
 * the recent-pass rule: a stolen session that is hours old cannot add the thief's
 * authenticator (NIST SP 800-63B §4.2), and a session from before an admin reset cannot
 * set up the first factor (recentMfaPass.ts). Every door and host calls these, so the rule
 * is kept once.
 *
 * @example
 * const caller = { user, passedAt: session.mfa.passedAt, loggedInAt: session.loggedInAt, door: 'web', ip };
 * const setup = await mfa.account.beginSetup(caller, 'totp', { label: 'Phone' });
 * await mfa.account.confirmSetup(caller, 'totp', { setupId: setup.setupId, code });
 */
export class MfaAccount {
  constructor(private readonly deps: MfaAccountDependencies) {}

  /**
   * Throws unless the caller may change how the account signs in now: RECENT_MFA_REQUIRED
   * (`details.minutes`: pass MFA again within that many minutes), or LOGIN_REQUIRED (the
   * user's factors were reset after this session began: only a new password login may set
   * up the first one).
   */
  async requireRecentPass(caller: AccountCaller): Promise<void> {
    const needed = await recentPassRequired(this.deps, caller.user, { passedAt: caller.passedAt, loggedInAt: caller.loggedInAt }, caller.door);
    if (!needed) return;
    if (needed.loginAgain) throw new MfaError('LOGIN_REQUIRED', 'Your ways of verifying were reset after you signed in: sign in again, then set one up.');
    throw new MfaError('RECENT_MFA_REQUIRED', `Verify it’s you again first: changes to how you sign in need a second-factor check from the last ${needed.minutes} minutes.`, { minutes: needed.minutes });
  }

  /** Step one of setting a factor up (a new TOTP key, WebAuthn creation options, a pairing link). */
  async beginSetup(caller: AccountCaller, factor: string, input: FactorInput = {}): Promise<object> {
    await this.requireRecentPass(caller);
    return this.deps.enrolment.beginSetup(caller.user, factor, { ...input, ip: caller.ip });
  }

  /** A set-up still open, shown again (a mistyped code costs no new key); null when it is gone. */
  async resumeSetup(caller: AccountCaller, factor: string, input: FactorInput = {}): Promise<object | null> {
    await this.requireRecentPass(caller);
    return this.deps.enrolment.resumeSetup(caller.user, factor, input);
  }

  /**
   * Step two: the device proves it works and becomes usable at login. With a login waiting
   * for set-up (require_setup), setting the factor up proved possession: it passes that
   * login (`login`, as `MfaLogin.answer` would answer).
   */
  async confirmSetup(caller: AccountCaller, factor: string, input: FactorInput, waiting?: WaitingLogin): Promise<{ device: FactorDevice; login: LoginStep | null }> {
    await this.requireRecentPass(caller);
    const device = await this.deps.enrolment.confirmSetup(caller.user, factor, input, { actor: caller.actor ?? caller.user.username, ip: caller.ip });
    if (!waiting) return { device, login: null };
    return { device, login: await this.deps.login.passBySetup(waiting.key, factor, waiting.facts, waiting.options) };
  }

  /** Gives one of the caller's devices a new name: a label changes nothing about how the account signs in, so no recent pass is asked. */
  async rename(caller: AccountCaller, factor: string, deviceId: number, label: unknown): Promise<string> {
    return this.deps.enrolment.rename(caller.user, factor, deviceId, label, { actor: caller.actor ?? caller.user.username, ip: caller.ip });
  }

  /** Removes one of the caller's devices. Removing what only gives access up (a trusted browser) needs no recent pass. */
  async remove(caller: AccountCaller, factor: string, deviceId: number): Promise<void> {
    if (!this.deps.registry.factory(factor).capabilities.removalGivesAccessUp) await this.requireRecentPass(caller);
    await this.deps.enrolment.remove(caller.user, factor, deviceId, { actor: caller.actor ?? caller.user.username, ip: caller.ip });
  }
}
