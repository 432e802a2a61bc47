import type { Request } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';
import { requestFacts } from './requestFacts.ts';

/** Moodle's wording (MDL-78816), so apps that show Moodle's errors show ours. */
export const MFA_REQUIRED_FOR_SERVICE = 'Multi-factor authentication is required for this service';

export type TokenDoorDecision = { allow: true } | { allow: false; status: number; body: { errorcode: string; error: string } & Record<string, unknown> };

export interface MfaTokenDoor {
  /** The `external_token_login` hook: the host calls it after the password passed at login/token.php. */
  beforeTokenIssue(req: Request, user: HostUser, service: string): Promise<TokenDoorDecision>;
}

/**
 * The external-service token door. With "Enable MFA for the mobile app" off, the engine
 * says MFA is not required here and tokens are issued after the password, as before.
 * With it on, the same attempt and rules as the web door decide: a user who passes
 * without input (nothing set up, a trusted network) gets a token; anyone else is told
 * MFA is required.
 */
export function createMfaTokenDoor(options: { plugin: MfaPlugin }): MfaTokenDoor {
  const { plugin } = options;
  return {
    async beforeTokenIssue(req, user, service) {
      const settings = await plugin.settings.snapshot();
      const opened = await plugin.engine.openAttempt({ user, door: 'token', facts: requestFacts(req, settings), service });
      if (opened.outcome === 'not_required') return { allow: true };
      // A passed attempt is spent on this one token, never reused for another.
      if (opened.outcome === 'passed' && (await plugin.engine.consume(opened.attempt.id))) return { allow: true };
      return { allow: false, status: 401, body: { errorcode: 'mfarequired', error: MFA_REQUIRED_FOR_SERVICE } };
    },
  };
}
