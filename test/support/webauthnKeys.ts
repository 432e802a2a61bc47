import { webauthnFactor } from '../../plugin/factors/webauthn/index.ts';
import type { HostUser } from '../../plugin/spi/host.ts';
import type { SoftAuthenticator } from './softAuthenticator.ts';
import type { TestPlugin } from './testPlugin.ts';

/** Registers a key for `user` the way the security page does (options, the key answers, confirm); returns its device id. */
export async function enrolKey(t: TestPlugin, user: HostUser, key: SoftAuthenticator, label = 'Blue key'): Promise<number> {
  const setup = await t.mfa.enrolment.beginSetup(user, webauthnFactor, { label });
  const response = key.register(setup.options);
  const device = await t.mfa.enrolment.confirmSetup(user, 'webauthn', { setupId: setup.setupId, response }, { actor: user.username, ip: null });
  return device.id;
}
