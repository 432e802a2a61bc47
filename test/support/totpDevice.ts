import { generateTotpCode, type TotpSetup, totpFactor } from '../../plugin/factors/totp/index.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import type { TestPlugin } from './testPlugin.ts';

/** Enrols an authenticator app for `user` the way a person does (begin, read the secret, confirm with a code). */
export async function enrolTotp(t: TestPlugin, user: HostUser, label = 'Phone'): Promise<{ secret: string; setup: TotpSetup }> {
  const setup = await t.mfa.enrolment.beginSetup(user, totpFactor, { label });
  const code = await codeFor(setup.secret, t.clock.time);
  await t.mfa.enrolment.confirmSetup(user, 'totp', { setupId: setup.setupId, code }, { actor: user.username, ip: null });
  // The confirming code's step is spent; the next login needs the next step's code.
  t.clock.advance(30_000);
  return { secret: setup.secret, setup };
}

export function codeFor(secret: string, now: number): Promise<string> {
  return generateTotpCode({ secret, now, algorithm: 'SHA1', digits: 6, period: 30 });
}
