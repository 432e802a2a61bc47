import type { Knex } from 'knex';
import type { AuditLog } from '../audit/auditLog.ts';
import type { Host } from '../spi/host.ts';
import { ApiSessions } from './apiSessions.ts';

/** Why a user's sessions were ended: shown in their activity and the admin's audit trail. */
export type SessionsEndedCause = 'factor_reset' | 'not_me_reported' | 'account_suspended' | 'logout_everywhere';

export interface EndUserSessionsOptions {
  cause: SessionsEndedCause;
  /** Who did it: the user's or an admin's username, `cli`, `system`. */
  actor: string;
  ip?: string | null;
  door?: string | null;
  /** The caller's own browser session id, kept (the host is told to spare it). */
  exceptWebSession?: string;
  /** The caller's own API session, kept. */
  exceptApiSession?: number;
}

export interface SessionsEnded {
  webSessions: number;
  apiSessions: number;
}

export interface UserSessionDependencies {
  db: Knex;
  host: Pick<Host, 'endUserSessions'>;
  audit: AuditLog;
  now(): number;
}

/**
 * Every session of a user, both kinds: the host's browser sessions (through
 * `Host.endUserSessions`: the plugin does not know the host's tables) and the plugin's
 * own API sessions. Tokens are not sessions and stay: revoking them is asked for apart.
 */
export class UserSessions {
  constructor(private readonly deps: UserSessionDependencies) {}

  /**
   * Ends them all (but the caller's own, when named) and records `sessions_ended`.
   *
   * @example
   * await plugin.sessions.endAll(user.id, { cause: 'account_suspended', actor: 'admin' });
   */
  async endAll(userId: string, options: EndUserSessionsOptions): Promise<SessionsEnded> {
    const { db, host, audit, now } = this.deps;
    const apiSessions = await new ApiSessions(db, now).closeAll(userId, { except: options.exceptApiSession });
    const webSessions = host.endUserSessions ? await host.endUserSessions(userId, { except: options.exceptWebSession }) : 0;
    const ended = { webSessions, apiSessions };
    await audit.record({
      event: 'sessions_ended',
      userId,
      actor: options.actor,
      door: options.door ?? null,
      ip: options.ip ?? null,
      detail: { cause: options.cause, ...ended, keptOwn: options.exceptWebSession !== undefined || options.exceptApiSession !== undefined },
    });
    return ended;
  }
}
