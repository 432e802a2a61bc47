import type { AuditRecord } from '../../../plugin/audit/auditLog.ts';
import type { UserToken } from '../../../plugin/credentials/userTokens.ts';
import type { FactorDevice } from '../../../plugin/spi/factor.ts';
import type { CardStatus } from '../../../plugin/spi/factorPresentation.ts';
import { formatTime } from '../../formatTime.ts';
import { html, type SafeHtml } from '../../html.ts';
import { renderPage } from '../../layout.ts';
import { assetPath, type FactorView, setupPath } from './factorView.ts';
import { renderRecentActivity } from './recentActivitySection.ts';
import { renderTokenList } from './tokenList.ts';

export interface SecurityPageModel {
  csrf: string;
  username: string;
  devices: FactorDevice[];
  /** Every enabled factor, in the order they are offered. */
  factors: readonly FactorView[];
  /** Factors the user may set up themselves now. */
  setupOptions: readonly string[];
  /** A factor's line about the user's own state ("7 of 10 recovery codes left"), by factor id. */
  cardStatus?: ReadonlyMap<string, CardStatus>;
  setupRequired: boolean;
  /** Set when the last MFA pass is older than recent_pass_minutes: changes will ask for a factor again. */
  recentPass?: { minutes: number };
  /** Factors whose devices the user can rename. */
  renamable?: readonly string[];
  /** Identity tokens and app tokens that act for the user without MFA. */
  tokens?: readonly UserToken[];
  /** The user's latest MFA events, newest first (from the audit log). */
  activity?: readonly AuditRecord[];
  /** A refused new name, shown beside its field. */
  renameError?: RenameError;
  flash?: string;
  error?: string;
}

export interface RenameError {
  factor: string;
  id: number;
  message: string;
  /** What the user typed, given back to correct. */
  value: string;
}

/**
 * One part of the security page. The page is this list, in order: a new part (say,
 * identity tokens) is a new entry, and the others do not change.
 */
export interface SecurityPageSection {
  id: string;
  render(model: SecurityPageModel): SafeHtml | '';
}

function removeForm(csrf: string, device: FactorDevice, action: string) {
  return html`<form method="post" action="/user/security/devices/remove" class="inline">
    <input type="hidden" name="_csrf" value="${csrf}">
    <input type="hidden" name="factor" value="${device.factor}">
    <input type="hidden" name="id" value="${String(device.id)}">
    <button type="submit" class="secondary" aria-label="${action} ${device.label}">${action}</button>
  </form>`;
}

/** "Rename" opens a small form under the device; a refused name opens it again, with the error tied to the field. */
function renameForm(csrf: string, device: FactorDevice, error: RenameError | undefined) {
  const fieldId = `device-name-${device.factor}-${String(device.id)}`;
  const errorId = `${fieldId}-error`;
  return html`<details class="rename" ${error ? 'open' : ''}><summary aria-label="Rename ${device.label}">Rename</summary>
    <form method="post" action="/user/security/devices/rename">
      <input type="hidden" name="_csrf" value="${csrf}">
      <input type="hidden" name="factor" value="${device.factor}">
      <input type="hidden" name="id" value="${String(device.id)}">
      <label for="${fieldId}">New name for ${device.label}</label>
      ${error ? html`<p id="${errorId}" class="error" role="alert">${error.message}</p>` : ''}
      <input id="${fieldId}" name="label" type="text" maxlength="100" required value="${error ? error.value : device.label}"
        ${error ? html`aria-invalid="true" aria-describedby="${errorId}"` : ''}>
      <button type="submit" class="secondary">Save name</button>
    </form>
  </details>`;
}

function viewOf(model: SecurityPageModel, factorId: string): FactorView | undefined {
  return model.factors.find((f) => f.id === factorId);
}

/** Devices listed in the main table: those of factors without a section of their own. */
function tableDevices(model: SecurityPageModel): FactorDevice[] {
  return model.devices.filter((d) => !viewOf(model, d.factor)?.presentation.deviceSection);
}

function renderRecentPassNotice(csrf: string, minutes: number) {
  return html`<form method="post" action="/user/security/confirm" class="notice">
    <input type="hidden" name="_csrf" value="${csrf}">
    <input type="hidden" name="returnTo" value="/user/security">
    <p id="recent-pass-hint">To add or remove a way of verifying, confirm it’s you first (your last check was more than ${minutes} minutes ago).</p>
    <button type="submit" class="secondary" aria-describedby="recent-pass-hint">Verify it’s you</button>
  </form>`;
}

const messagesSection: SecurityPageSection = {
  id: 'messages',
  render: (model) => html`
    ${model.setupRequired ? html`<p class="notice" role="alert">This site requires a second way of verifying it’s you. Set one up to continue.</p>` : ''}
    ${model.flash ? html`<p class="flash" role="status">${model.flash}</p>` : ''}
    ${model.error ? html`<p class="error" role="alert">${model.error}</p>` : ''}
    ${model.recentPass ? renderRecentPassNotice(model.csrf, model.recentPass.minutes) : ''}`,
};

const factorsSection: SecurityPageSection = {
  id: 'factors',
  render(model) {
    const factors = tableDevices(model);
    const renamable = new Set(model.renamable ?? []);
    const actions = (d: FactorDevice) =>
      model.setupRequired
        ? ''
        : html`${renamable.has(d.factor) ? renameForm(model.csrf, d, model.renameError?.factor === d.factor && model.renameError.id === d.id ? model.renameError : undefined) : ''}
          ${removeForm(model.csrf, d, viewOf(model, d.factor)?.copy.removeButton ?? 'Remove')}`;
    return html`<h2>Ways to verify it’s you</h2>
    ${
      factors.length === 0
        ? html`<p>You have not set up a second factor yet.</p>`
        : html`<table>
            <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Added</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>${factors.map(
              (d) => html`<tr><td>${d.label}</td><td>${viewOf(model, d.factor)?.name ?? d.factor}</td><td>${formatTime(d.createdAt)}</td>
                <td>${formatTime(d.lastUsedAt)}</td><td>${actions(d)}</td></tr>`,
            )}</tbody>
          </table>`
    }`;
  },
};

/** A card offering to set a factor up: a form to `/setup`, or a form a browser script fills and posts to `/confirm` (WebAuthn). */
function renderCard(model: SecurityPageModel, view: FactorView): SafeHtml | '' {
  const card = view.presentation.card;
  if (!card) return '';
  const status = model.cardStatus?.get(view.id);
  const fieldId = `${view.id}-label`;
  const asked = card.askLabel === true ? { label: 'Name for this device', placeholder: 'e.g. My phone' } : card.askLabel || null;
  const label = asked
    ? html`<label for="${fieldId}">${asked.label}</label>
      <input id="${fieldId}" name="label" type="text" maxlength="100" placeholder="${asked.placeholder ?? ''}">`
    : '';
  const lines = html`${card.text ? html`<p>${card.text}</p>` : ''}
    ${status?.line ? html`<p data-testid="${view.id}-status">${status.line}</p>` : ''}
    ${status?.warning ? html`<p class="notice" role="alert">${status.warning}</p>` : ''}`;
  const button = status?.button ?? card.button;
  if (card.script) {
    return html`<section class="card" aria-labelledby="${view.id}-heading">
      <h3 id="${view.id}-heading">${card.title}</h3>
      ${lines}
      <form method="post" action="${setupPath(view.id, 'confirm')}" id="${view.id}-register" data-browser-setup="${view.id}" data-options-url="${setupPath(view.id, 'setup')}">
        <input type="hidden" name="_csrf" value="${model.csrf}">
        <input type="hidden" name="setupId" value="">
        <input type="hidden" name="response" value="">
        ${label}
        <p class="error" role="alert" data-status hidden></p>
        <button type="button" data-start>${button}</button>
      </form>
    </section>
    <script src="${assetPath(view.id, card.script)}" defer></script>`;
  }
  return html`<form method="post" action="${setupPath(view.id, 'setup')}" class="card">
    <input type="hidden" name="_csrf" value="${model.csrf}">
    <h3>${card.title}</h3>
    ${lines}
    ${label}
    <button type="submit">${button}</button>
  </form>`;
}

/**
 * The cards of the factors the user may set up now: one they have (onlyOne) is not offered
 * again, and a backup (recovery codes) waits until the user has a way in.
 */
const cardsSection: SecurityPageSection = {
  id: 'cards',
  render: (model) =>
    html`${model.factors
      .filter((view) => model.setupOptions.includes(view.id))
      .filter((view) => !(view.presentation.card?.onlyOne && model.devices.some((d) => d.factor === view.id)))
      .filter((view) => !(view.presentation.card?.backup && model.setupRequired))
      .map((view) => renderCard(model, view))}`,
};

/** Factors whose devices are listed under their own heading (trusted browsers), each with its removal. */
const deviceSections: SecurityPageSection = {
  id: 'device-sections',
  render(model) {
    if (model.setupRequired) return '';
    return html`${model.factors.map((view) => {
      const section = view.presentation.deviceSection;
      if (!section) return '';
      const devices = model.devices.filter((d) => d.factor === view.id);
      return html`<h2>${section.heading}</h2>
        ${
          devices.length === 0
            ? html`<p>${section.empty}</p>`
            : html`<ul class="device-list">${devices.map(
                (d) =>
                  html`<li>${d.label}, since ${formatTime(d.createdAt)}${d.expiresAt ? `, until ${formatTime(d.expiresAt)}` : ''} ${removeForm(model.csrf, d, view.copy.removeButton ?? 'Remove')}</li>`,
              )}</ul>`
        }`;
    })}`;
  },
};

const tokensSection: SecurityPageSection = {
  id: 'tokens',
  render(model) {
    if (!model.tokens) return '';
    return html`<section aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">Tokens for scripts and apps</h2>
      ${renderTokenList({ tokens: model.tokens, csrf: model.csrf, revokeAction: '/user/security/tokens/revoke', empty: 'No program uses your account with a token.' })}
      <p><a href="/user/security/tokens">Make a token for a script, or manage your tokens</a></p>
    </section>`;
  },
};

/** "Log out everywhere": for a lost laptop, a shared computer left signed in, or a session the user does not trust. */
const sessionsSection: SecurityPageSection = {
  id: 'sessions',
  render(model) {
    if (model.setupRequired) return '';
    return html`<section aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Where you are signed in</h2>
      <p>Signed in on a computer you no longer have, or left signed in somewhere? Sign out every other browser and every API session. This browser stays signed in. Tokens for scripts and apps are not affected: revoke them above.</p>
      <form method="post" action="/user/security/sessions/end" class="inline">
        <input type="hidden" name="_csrf" value="${model.csrf}">
        <button type="submit" class="secondary">Log out everywhere else</button>
      </form>
    </section>`;
  },
};

const recentActivitySection: SecurityPageSection = {
  id: 'recent-activity',
  render: (model) => (model.activity ? renderRecentActivity(model.activity, model.factors) : ''),
};

/** The security page's parts, top to bottom. */
export const SECURITY_PAGE_SECTIONS: readonly SecurityPageSection[] = [
  messagesSection,
  factorsSection,
  cardsSection,
  deviceSections,
  tokensSection,
  sessionsSection,
  recentActivitySection,
];

/** `/user/security`: the user's own ways of verifying, the browsers they trust, and what happened lately. */
export function renderSecurityPage(model: SecurityPageModel, sections: readonly SecurityPageSection[] = SECURITY_PAGE_SECTIONS): string {
  const body = html`<h1>Security</h1>
    ${sections.map((section) => section.render(model))}`;
  return renderPage({ title: 'Security', body, username: model.username, csrf: model.csrf });
}
