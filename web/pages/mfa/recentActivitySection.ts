import type { AuditRecord } from '../../../plugin/audit/auditLog.ts';
import { html, type SafeHtml } from '../../html.ts';
import type { FactorView } from './factorView.ts';
import { formatTime } from '../../formatTime.ts';

const DOOR_WORDS: Record<string, string> = { web: 'in a browser', token: 'from the mobile app', api: 'through the API' };

/** A factor's name inside a sentence, from its own copy (a factor no longer installed keeps its id). */
function wordsFor(factors: readonly FactorView[]) {
  return (factor: string | null | undefined): string => (factor ? (factors.find((f) => f.id === factor)?.inSentence ?? factor) : 'a way of verifying');
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A name the user gave (or the site made); only ever a label, never a secret. */
function quoted(value: unknown): string {
  return typeof value === 'string' && value ? ` “${value}”` : '';
}

/**
 * One audit event in plain words. Only fields known to be harmless are read from
 * `detail` (labels, counts, the browser family): never a secret, code or token, and
 * never an administrator's free-text reason.
 */
export function describeActivity(record: AuditRecord, factors: readonly FactorView[] = []): string {
  const detail = record.detail ?? {};
  const factorWords = wordsFor(factors);
  const factor = factorWords(record.factor);
  const view = factors.find((f) => f.id === record.factor);
  // A factor's own events, in its own words.
  const own = (view ?? factors.find((f) => f.copy.activity?.[record.event]))?.copy.activity?.[record.event];
  if (own !== undefined) return typeof own === 'string' ? own : own(detail);
  switch (record.event) {
    case 'mfa_passed': {
      const used = Array.isArray(detail.factors) && detail.factors.length > 0 ? ` with your ${detail.factors.map((f) => factorWords(String(f))).join(' and ')}` : ' without a second step';
      const browser = typeof detail.browser === 'string' ? ` (${detail.browser})` : '';
      return `Signed in${used}${browser}`;
    }
    case 'mfa_failed':
      return 'A sign-in was refused';
    case 'factor_failed':
      return detail.reason === 'replayed' ? `A used code was tried again for your ${factor}` : `A wrong code was entered for your ${factor}`;
    case 'factor_locked':
      return `Your ${factor} was locked after too many wrong tries`;
    case 'factor_unlocked':
      return `An administrator unlocked your ${factor}`;
    case 'factor_added':
      return view?.copy.addedActivity ?? `${capitalised(factor)}${quoted(detail.label)} was added`;
    case 'factor_removed':
      return `${capitalised(factor)} was removed`;
    case 'factor_renamed':
      return `${capitalised(factor)} was renamed to${quoted(detail.label)}`;
    case 'factor_reset':
      return record.factor ? `An administrator reset your ${factor}` : 'An administrator reset all your ways of verifying';
    case 'not_me_reported':
      return '“This wasn’t me” was reported for a sign-in, and it was stopped';
    case 'identity_token_created':
      return `An identity token was made:${quoted(detail.name)}`;
    case 'identity_token_used':
      return `An identity token was used:${quoted(detail.name)}`;
    case 'identity_token_revoked':
      return 'An identity token was revoked';
    case 'service_token_issued':
      return detail.via === 'browser_sign_in' ? 'The mobile app was signed in through your browser' : 'A mobile app token was issued';
    case 'service_token_revoked':
      return 'A mobile app token was revoked';
    case 'api_session_created':
      return 'Signed in to the API';
    case 'sessions_ended':
      return sessionsEndedWords(detail);
    default:
      return record.event.replaceAll('_', ' ');
  }
}

const SESSIONS_ENDED_CAUSES: Record<string, string> = {
  factor_reset: 'after an administrator reset your ways of verifying',
  not_me_reported: 'after “This wasn’t me” was reported',
  account_suspended: 'when your account was suspended',
  logout_everywhere: 'when you chose “Log out everywhere”',
};

function sessionsEndedWords(detail: Record<string, unknown>): string {
  const count = (Number(detail.webSessions) || 0) + (Number(detail.apiSessions) || 0);
  const cause = typeof detail.cause === 'string' && SESSIONS_ENDED_CAUSES[detail.cause] ? ` ${SESSIONS_ENDED_CAUSES[detail.cause]}` : '';
  const which = detail.keptOwn === true ? 'other ' : '';
  return `${count === 1 ? `1 ${which}session was` : `${count} ${which}sessions were`} signed out${cause}`;
}

/** "Recent activity" on /user/security: the last MFA events with when, where from, and how; and what to do if one is not theirs. */
export function renderRecentActivity(activity: readonly AuditRecord[], factors: readonly FactorView[] = []): SafeHtml {
  return html`<section aria-labelledby="activity-heading">
    <h2 id="activity-heading">Recent activity</h2>
    ${
      activity.length === 0
        ? html`<p>Nothing yet.</p>`
        : html`<ol class="activity">${activity.map(
            (record) => html`<li><span class="what">${describeActivity(record, factors)}</span>
              <span class="when">${formatTime(record.at)} · ${record.ip ? `from ${record.ip}` : 'address not known'}${record.door && DOOR_WORDS[record.door] ? ` · ${DOOR_WORDS[record.door]}` : ''}</span></li>`,
          )}</ol>`
    }
    <p class="notice" id="activity-advice"><strong>If you don’t recognise this activity,</strong> change your password, remove the factor, and contact your administrator.</p>
  </section>`;
}
