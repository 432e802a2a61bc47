import type { Request } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import type { PasswordCheck } from '../../../plugin/engine/passwordLogins.ts';
import { clientIp } from './requestFacts.ts';

/** The `password_check` hook: a door's password check, by the client's address (X-Forwarded-For only with `trust_proxy`). */
export type PasswordCheckHook = (req: Request, username: string, password: string) => Promise<PasswordCheck>;

/** The plugin's throttled password check for a host's doors (the login page, login/token.php). */
export function passwordCheckHook(plugin: MfaPlugin): PasswordCheckHook {
  return async (req, username, password) => {
    const address = clientIp(req, await plugin.settings.snapshot());
    return plugin.passwordLogins.check({ username, password, address });
  };
}
