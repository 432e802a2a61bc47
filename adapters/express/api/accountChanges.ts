import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import type { AccountCaller } from '../../../plugin/account/mfaAccount.ts';
import { isMfaError, MfaError } from '../../../plugin/errors.ts';
import type { ApiCaller } from './apiCaller.ts';

/** The user's factors that ask for input (what "has MFA" means to them): not trusted browsers. */
export async function inputFactorDevices(plugin: MfaPlugin, caller: ApiCaller) {
  const settings = await plugin.settings.snapshot();
  const inputFactors = new Set(plugin.registry.enabled(settings).filter((f) => f.requiresInput).map((f) => f.id));
  return (await plugin.enrolment.devices(caller.user)).filter((d) => inputFactors.has(d.factor));
}

/** Identity tokens skip MFA, so they must not reach what MFA guards: factors and tokens. */
export function refuseIdentityTokens(caller: ApiCaller): void {
  if (caller.via === 'identity_token') {
    throw new MfaError('FORBIDDEN', 'Identity tokens cannot manage MFA or tokens. Create a session with POST /api/v1/session (with your code) for that.');
  }
}

/** The API caller as the account protocol sees it: a session or Basic login (identity tokens may change nothing). */
export function accountCaller(caller: ApiCaller, ip: string | null): AccountCaller {
  refuseIdentityTokens(caller);
  return { user: caller.user, passedAt: caller.mfaPassedAt, loggedInAt: caller.loggedInAt, door: 'api', ip };
}

/** The recent-pass rule's refusal (plugin.account) in the API's words: what to call to get past it. */
export async function inApiWords<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isMfaError(error, 'LOGIN_REQUIRED')) throw new MfaError('INVALID_LOGIN', 'Your ways of verifying were reset after this session began: create a new session (POST /api/v1/session), then set one up.');
    if (isMfaError(error, 'RECENT_MFA_REQUIRED')) {
      throw new MfaError('RECENT_MFA_REQUIRED', `This needs an MFA pass within the last ${String(error.details.minutes)} minutes. Create a new session with your code (POST /api/v1/session), then try again.`);
    }
    throw error;
  }
}

/**
 * Changes to what protects an account (adding or removing a factor, making a token)
 * follow the account protocol's recent-pass rule: a stolen session that is hours old
 * cannot be turned into a new authenticator or a token that never expires.
 */
export function requireRecentMfa(plugin: MfaPlugin, caller: ApiCaller, ip: string | null = null): Promise<void> {
  return inApiWords(() => plugin.account.requireRecentPass(accountCaller(caller, ip)));
}
