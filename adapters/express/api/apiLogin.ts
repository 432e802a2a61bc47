import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { MfaError } from '../../../plugin/errors.ts';
import { factorsFor } from '../../../plugin/login/factorChoice.ts';
import type { RequestFacts } from '../../../plugin/spi/factor.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';

/** MediaSilo's wording, so clients written for that API recognise it. */
export const MFA_CODE_MISSING = 'This user has MFA enabled but no code was provided.';

/**
 * A login at the JSON API, in one request: the password passed, and the code (if any)
 * came with it. One engine call (`login.start` with the answer); this only says the
 * outcome in the API's terms. Resolves with the pass time to record on what the caller
 * gets (null: MFA asked nothing); anything else is an MfaError the API answers with. A
 * login that did not pass is ended here: the next request starts its own.
 */
export async function apiLogin(plugin: MfaPlugin, user: HostUser, facts: RequestFacts, answer: { code: string | null; factor: string | null }): Promise<number | null> {
  const step = await plugin.login.start({ user, door: 'api', facts, answer: answer.code ? { factor: answer.factor ?? undefined, input: { code: answer.code } } : null });
  switch (step.kind) {
    case 'not_required':
      return null;
    case 'passed':
      return step.passedAt;
    case 'ended':
      throw step.error;
    case 'setup_required':
      await plugin.login.cancel({ attemptId: step.login.attemptId });
      throw new MfaError('SETUP_REQUIRED', 'This site requires a second factor, and this account has none yet. Log in on the website once and set one up under Security.');
    case 'locked':
      await plugin.login.cancel({ attemptId: step.login.attemptId });
      throw new MfaError('FACTOR_LOCKED', 'Every way this account can verify is locked after too many wrong tries. Ask an administrator to unlock it.', { triesLeft: 0 });
    case 'pending': {
      await plugin.login.cancel({ attemptId: step.login.attemptId });
      if (step.error) throw step.error;
      // What a client can send with its password: a code it already holds (not one mailed on request).
      const factors = factorsFor(step.factors, { browser: false, sentCodes: false }).usable.map((f) => f.id);
      throw new MfaError('MFA_CODE_REQUIRED', MFA_CODE_MISSING, { factors });
    }
  }
}
