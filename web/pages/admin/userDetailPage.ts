import type { AdminFactor, UserMfaOverview } from '../../../plugin/admin/index.ts';
import { MAX_REASON_LENGTH } from '../../../plugin/admin/index.ts';
import type { AuditRecord } from '../../../plugin/audit/auditLog.ts';
import { html, type SafeHtml } from '../../html.ts';
import type { UserToken } from '../../../plugin/credentials/userTokens.ts';
import { formatTime } from '../../formatTime.ts';
import { renderTokenList } from '../mfa/tokenList.ts';
import { renderAdminPage } from './adminLayout.ts';

export interface UserDetailPageModel {
  csrf: string;
  username: string;
  overview: UserMfaOverview;
  factors: readonly AdminFactor[];
  /** Identity tokens and app tokens that act for the user without MFA. */
  tokens: readonly UserToken[];
  /** The reset form's values and error, after a refused reset. */
  reset?: { factor: string; reason: string; revokeTokens: boolean; error: string };
  flash?: string;
}

function factorName(factors: readonly AdminFactor[], id: string | null | undefined): string {
  if (!id) return '';
  return factors.find((f) => f.id === id)?.displayName ?? id;
}

/** What an admin needs from an audit row: the reason of a reset, the factors a login passed with. */
function eventDetail(event: AuditRecord, factors: readonly AdminFactor[]): string {
  const detail = event.detail ?? {};
  if (typeof detail.reason === 'string') return `Reason: ${detail.reason}`;
  if (Array.isArray(detail.factors)) return `With: ${detail.factors.map((f) => factorName(factors, String(f))).join(', ')}`;
  if (typeof detail.label === 'string') return detail.label;
  return '';
}

function resetForm(model: UserDetailPageModel, action: string): SafeHtml {
  const withDevices = [...new Set(model.overview.devices.map((d) => d.factor))];
  const chosen = model.reset?.factor ?? '';
  const error = model.reset?.error;
  const describedBy = error ? 'reset-reason-error reset-reason-hint' : 'reset-reason-hint';
  return html`<form method="post" action="${action}" class="card" novalidate>
    <input type="hidden" name="_csrf" value="${model.csrf}">
    <h2>Reset factors</h2>
    <p>For a lost or broken device. The user sets the factor up again themself after logging in again; you cannot set it up for them.</p>
    <p>A reset also signs the user out everywhere: every browser session and API session ends, so a stolen session cannot set up its own factor.</p>
    <label for="reset-factor">Factor to reset</label>
    <select id="reset-factor" name="factor">
      <option value="" ${chosen === '' ? 'selected' : ''}>All factors and trusted browsers</option>
      ${withDevices.map((id) => html`<option value="${id}" ${chosen === id ? 'selected' : ''}>${factorName(model.factors, id)}</option>`)}
    </select>
    <label for="reset-reason">Reason (kept in the audit log)</label>
    ${error ? html`<p id="reset-reason-error" class="error">${error}</p>` : ''}
    <textarea id="reset-reason" name="reason" rows="2" maxlength="${MAX_REASON_LENGTH}" required aria-describedby="${describedBy}" ${error ? html`aria-invalid="true"` : ''}>${model.reset?.reason ?? ''}</textarea>
    <p id="reset-reason-hint" class="hint">E.g. “Phone lost; identity checked by a video call”.</p>
    <div class="checkbox">
      <input type="checkbox" id="reset-revoke-tokens" name="revokeTokens" value="yes" ${model.reset && !model.reset.revokeTokens ? '' : 'checked'} aria-describedby="reset-revoke-tokens-hint">
      <label for="reset-revoke-tokens">Revoke their tokens too</label>
    </div>
    <p id="reset-revoke-tokens-hint" class="hint">Identity tokens and app tokens act without MFA; whoever had the device may have made one. Untick to keep the user’s scripts and apps signed in.</p>
    <button type="submit">Reset</button>
  </form>`;
}

/** `/admin/mfa/users/:id`: a user's factors (never their secrets), locks and recent MFA activity; reset and unlock. */
export function renderUserDetailPage(model: UserDetailPageModel): string {
  const { overview } = model;
  const base = `/admin/mfa/users/${encodeURIComponent(overview.user.id)}`;
  const body = html`
    <h1>MFA of ${overview.user.username}</h1>
    <p>${overview.user.email}${overview.user.suspended ? ' · suspended' : ''}</p>
    ${model.reset?.error ? html`<p class="error" role="alert">Nothing was reset: ${model.reset.error}</p>` : ''}
    <h2>Factors</h2>
    ${
      overview.devices.length === 0
        ? html`<p>No factor is set up.</p>`
        : html`<table>
            <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Added</th><th scope="col">Last used</th></tr></thead>
            <tbody>${overview.devices.map(
              (d) => html`<tr><td>${d.label}</td><td>${factorName(model.factors, d.factor)}</td><td>${formatTime(d.createdAt)}</td><td>${formatTime(d.lastUsedAt)}</td></tr>`,
            )}</tbody>
          </table>`
    }
    <h2>Locks</h2>
    ${
      overview.failures.length === 0
        ? html`<p>No failed inputs are counted. A factor locks after ${overview.lockoutThreshold}.</p>`
        : html`<ul class="device-list">${overview.failures.map(
            (f) => html`<li>${f.displayName}: ${f.failures} of ${overview.lockoutThreshold} failed inputs
              ${f.locked ? html`<span class="badge">locked</span>` : ''}
              <form method="post" action="${base}/unlock" class="inline">
                <input type="hidden" name="_csrf" value="${model.csrf}">
                <input type="hidden" name="factor" value="${f.factor}">
                <button type="submit" class="secondary" aria-label="${f.locked ? 'Unlock' : 'Clear the count of'} ${f.displayName}">${f.locked ? 'Unlock' : 'Clear count'}</button>
              </form></li>`,
          )}</ul>`
    }
    <form method="post" action="${base}/password-unlock" class="inline">
      <input type="hidden" name="_csrf" value="${model.csrf}">
      <p>Wrong passwords slow down guessing per address and cap it per account.
        <button type="submit" class="secondary">Let their password be tried again now</button></p>
    </form>
    ${resetForm(model, `${base}/reset`)}
    <h2>Tokens</h2>
    <p>These act for the user without MFA. Revoke any the user does not recognise; a revoked token stops working on its next request. A reset revokes them all unless you untick “Revoke their tokens too”.</p>
    ${renderTokenList({ tokens: model.tokens, csrf: model.csrf, revokeAction: `${base}/tokens/revoke`, empty: 'The user has no identity tokens or app tokens.' })}
    <h2>Recent MFA activity</h2>
    ${
      overview.recentEvents.length === 0
        ? html`<p>No MFA activity yet.</p>`
        : html`<table>
            <thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Factor</th><th scope="col">By</th><th scope="col">Details</th></tr></thead>
            <tbody>${overview.recentEvents.map(
              (e) => html`<tr><td>${formatTime(e.at)}</td><td>${e.event.replaceAll('_', ' ')}</td><td>${factorName(model.factors, e.factor)}</td>
                <td>${e.actor ?? ''}</td><td>${eventDetail(e, model.factors)}</td></tr>`,
            )}</tbody>
          </table>`
    }`;
  return renderAdminPage({ title: `MFA of ${overview.user.username}`, current: 'users', body, username: model.username, csrf: model.csrf, flash: model.flash });
}
