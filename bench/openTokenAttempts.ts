import type { MfaPlugin } from '../plugin/createMfaPlugin.ts';
import type { SeededUser } from './seedUsers.ts';

/**
 * Opens a token-door attempt for each user, as login/token.php does after a correct
 * password, and returns the handles (mfa_token) an app would send its code with. Done
 * before the load starts, so the code check is measured without the password hash.
 */
export async function openTokenAttempts(plugin: MfaPlugin, users: readonly SeededUser[], parallel = 8): Promise<string[]> {
  const handles: string[] = new Array(users.length);
  let next = 0;
  const worker = async () => {
    while (next < users.length) {
      const i = next++;
      const u = users[i] as SeededUser;
      const user = { id: u.id, username: u.username, email: `${u.username}@example.test`, suspended: false, isAdmin: false };
      const opened = await plugin.engine.openAttempt({ user, door: 'token', facts: { ip: '127.0.0.1', userAgent: 'mfa-bridge-bench' }, service: 'moodle_mobile_app', withHandle: true });
      if (opened.outcome !== 'pending' || !opened.handle) throw new Error(`an attempt for ${u.username} came out ${opened.outcome}`);
      handles[i] = opened.handle;
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return handles;
}

/** The token door asks for MFA only with "Enable MFA for the mobile app" on. */
export async function turnOnAppMfa(plugin: MfaPlugin): Promise<void> {
  await plugin.settings.set('mobile_app_mfa', true, 'bench');
}
