import type { Knex } from 'knex';
import type { KeyedHash } from '../crypto/keyedHash.ts';
import type { AuditLog, AuditRecord } from '../audit/auditLog.ts';
import { outsideOperationScope } from '../store/operationScope.ts';
import type { FactorMailText } from '../spi/factor.ts';
import type { Host, HostUser, MailMessage } from '../spi/host.ts';
import { KnownSignIns, signInKeys, sightingOf } from './knownSignIns.ts';
import {
  factorAddedMail,
  factorRemovedMail,
  factorResetMail,
  identityTokenCreatedMail,
  newSignInMail,
  notMeReportedMail,
  type SecurityMailFacts,
  totpCodeReusedMail,
} from './securityMails.ts';

export interface SecurityNotificationsOptions {
  audit: AuditLog;
  host: Host;
  db: Knex;
  /** Keyed with the `known-sign-in` purpose: fingerprints of where users signed in. */
  signInHash: KeyedHash;
  /** A factor's name for people ("Authenticator app"). */
  factorName(id: string): string;
  /** A factor's own words for its "added" mail, when it declares them. */
  addedMail?(id: string): FactorMailText | undefined;
  now(): number;
  /** Where a mail that could not be sent is reported: one line, never an address, body or secret. */
  log(line: string): void;
}

export interface SecurityNotifications {
  /** Resolves when every mail started so far has been sent or given up on (tests, shutdown). */
  settled(): Promise<void>;
  stop(): void;
}

/**
 * Mails the user about security events on their account, from the one place that
 * hears them all: the audit log. The factors and doors only record what happened;
 * what is worth a mail is decided here.
 *
 * Mail is sent after the event, never in its way: a login or a change has already
 * succeeded when the mail is tried, and a mail server that is down costs only the
 * mail (logged, and the user still sees the event in their recent activity).
 */
export function startSecurityNotifications(options: SecurityNotificationsOptions): SecurityNotifications {
  const known = new KnownSignIns(options.db, options.now);
  const pending = new Set<Promise<void>>();

  async function mailFor(record: AuditRecord, user: HostUser): Promise<MailMessage | null> {
    const detail = record.detail ?? {};
    const facts: SecurityMailFacts = { user, siteName: options.host.siteName(), at: record.at, ip: record.ip };
    const factor = record.factor ?? null;
    switch (record.event) {
      case 'factor_added':
        return factorAddedMail(facts, {
          name: options.factorName(factor ?? ''),
          label: typeof detail.label === 'string' ? detail.label : undefined,
          mail: factor ? options.addedMail?.(factor) : undefined,
        });
      case 'not_me_reported':
        return notMeReportedMail(facts, { stopped: detail.attemptStatus === 'cancelled', factor: options.factorName(factor ?? '') });
      case 'factor_removed':
        return factorRemovedMail(facts, { name: options.factorName(factor ?? '') });
      case 'factor_reset':
        return factorResetMail(facts, { name: factor ? options.factorName(factor) : null });
      case 'totp_code_reused':
        return totpCodeReusedMail(facts);
      case 'identity_token_created':
        return identityTokenCreatedMail(facts, { name: String(detail.name ?? ''), expiresAt: typeof detail.expiresAt === 'number' ? detail.expiresAt : null });
      case 'mfa_passed': {
        // A pass with no factor (nothing set up yet) is not an MFA sign-in to warn about.
        const sighting = sightingOf(record);
        if (!sighting) return null;
        const novelty = await known.remember(user.id, signInKeys(options.signInHash, sighting));
        return novelty === 'new' ? newSignInMail({ ...facts, browser: sighting.browser }) : null;
      }
      default:
        return null;
    }
  }

  async function notify(record: AuditRecord): Promise<void> {
    if (!record.userId || !WATCHED.has(record.event)) return;
    try {
      const user = await options.host.findUserById(record.userId);
      if (!user || !user.email) return;
      const message = await mailFor(record, user);
      if (message) await options.host.sendMail(message);
    } catch (error) {
      // The event stands; only its mail is lost. The error's kind is enough to act on: SMTP replies can quote the address.
      const kind = error instanceof Error ? `${error.name}${'code' in error && typeof error.code === 'string' ? ` ${error.code}` : ''}` : 'unknown error';
      options.log(`mfa-bridge: security mail for ${record.event} (user ${record.userId}) not sent: ${kind}`);
    }
  }

  const unsubscribe = options.audit.subscribe((record) => {
    // A mail job outlives the request that recorded the event: it reads afresh.
    const job = outsideOperationScope(() => notify(record));
    pending.add(job);
    void job.finally(() => pending.delete(job));
  });

  return {
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    stop: unsubscribe,
  };
}

/** The events that may mail the user. Recovery codes mail on their own use (recoveryCodeMail.ts): that mail says how many are left. */
const WATCHED = new Set<AuditRecord['event']>(['factor_added', 'factor_removed', 'factor_reset', 'totp_code_reused', 'mfa_passed', 'identity_token_created', 'not_me_reported']);
