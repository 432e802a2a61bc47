import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { recentPassRequired } from '../../../plugin/engine/recentMfaPass.ts';
import { MfaError } from '../../../plugin/errors.ts';
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

/**
 * Changes to what protects an account (adding or removing a factor, making a token)
 * follow the engine's recent-pass rule (`recentPassRequired`): a stolen session that is
 * hours old cannot be turned into a new authenticator or a token that never expires.
 */
export async function requireRecentMfa(plugin: MfaPlugin, caller: ApiCaller): Promise<void> {
  refuseIdentityTokens(caller);
  const needed = await recentPassRequired(plugin, caller.user, { passedAt: caller.mfaPassedAt, loggedInAt: caller.loggedInAt }, 'api');
  if (!needed) return;
  if (needed.loginAgain) throw new MfaError('INVALID_LOGIN', 'Your ways of verifying were reset after this session began: create a new session (POST /api/v1/session), then set one up.');
  throw new MfaError('RECENT_MFA_REQUIRED', `This needs an MFA pass within the last ${needed.minutes} minutes. Create a new session with your code (POST /api/v1/session), then try again.`);
}
