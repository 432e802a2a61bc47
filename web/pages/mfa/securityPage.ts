import type { AuditRecord } from '../../../plugin/audit/auditLog.ts';
import type { UserToken } from '../../../plugin/credentials/userTokens.ts';
import type { RecoveryCodesLeft } from '../../../plugin/factors/recovery-codes/index.ts';
import type { TotpSetup } from '../../../plugin/factors/totp/index.ts';
import type { FactorDevice } from '../../../plugin/spi/factor.ts';
import { html, raw, type SafeHtml } from '../../html.ts';
import { renderPage } from '../../layout.ts';
import { formatTime } from './factorCopy.ts';
import { renderRecentActivity } from './recentActivitySection.ts';
import { renderRecoveryCodesCard } from './recoveryCodesPages.ts';
import { renderTokenList } from './tokenList.ts';
import { renderWebauthnSecurityCard } from './webauthnPages.ts';

export interface SecurityPageModel {
  csrf: string;
  username: string;
  devices: FactorDevice[];
  setupOptions: Array<{ id: string; displayName: string }>;
  setupRequired: boolean;
  /** Recovery codes left, when the factor is on. */
  recoveryCodes?: RecoveryCodesLeft;
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

export const FACTOR_NAMES: Record<string, string> = { totp: 'Authenticator app', trusted_device: 'Trusted browser', email: 'Email code', recovery_codes: 'Recovery codes', webauthn: 'Security key or passkey' };

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

function inputFactors(model: SecurityPageModel): FactorDevice[] {
  return model.devices.filter((d) => d.factor !== 'trusted_device');
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
    const factors = inputFactors(model);
    const renamable = new Set(model.renamable ?? []);
    const actions = (d: FactorDevice) =>
      model.setupRequired
        ? ''
        : html`${renamable.has(d.factor) ? renameForm(model.csrf, d, model.renameError?.factor === d.factor && model.renameError.id === d.id ? model.renameError : undefined) : ''}
          ${removeForm(model.csrf, d, 'Remove')}`;
    return html`<h2>Ways to verify it’s you</h2>
    ${
      factors.length === 0
        ? html`<p>You have not set up a second factor yet.</p>`
        : html`<table>
            <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Added</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>${factors.map(
              (d) => html`<tr><td>${d.label}</td><td>${FACTOR_NAMES[d.factor] ?? d.factor}</td><td>${formatTime(d.createdAt)}</td>
                <td>${formatTime(d.lastUsedAt)}</td><td>${actions(d)}</td></tr>`,
            )}</tbody>
          </table>`
    }`;
  },
};

const addTotpSection: SecurityPageSection = {
  id: 'add-totp',
  render: (model) =>
    model.setupOptions.some((o) => o.id === 'totp')
      ? html`<form method="post" action="/user/security/totp/setup" class="card">
          <input type="hidden" name="_csrf" value="${model.csrf}">
          <h3>Add an authenticator app</h3>
          <label for="label">Name for this device</label>
          <input id="label" name="label" type="text" maxlength="100" placeholder="e.g. My phone">
          <button type="submit">Set up authenticator app</button>
        </form>`
      : '',
};

const emailSection: SecurityPageSection = {
  id: 'email',
  render: (model) =>
    model.setupOptions.some((o) => o.id === 'email') && !inputFactors(model).some((d) => d.factor === 'email')
      ? html`<form method="post" action="/user/security/email/setup" class="card">
          <input type="hidden" name="_csrf" value="${model.csrf}">
          <h3>Email codes</h3>
          <p>Get a code by email when you log in. We send a code to your account’s address first, to check you receive it.</p>
          <button type="submit">Turn on email codes</button>
        </form>`
      : '',
};

const webauthnSection: SecurityPageSection = {
  id: 'webauthn',
  render: (model) => (model.setupOptions.some((o) => o.id === 'webauthn') ? renderWebauthnSecurityCard({ csrf: model.csrf }) : ''),
};

const recoveryCodesSection: SecurityPageSection = {
  id: 'recovery-codes',
  render: (model) => (model.recoveryCodes && !model.setupRequired ? renderRecoveryCodesCard({ csrf: model.csrf, left: model.recoveryCodes }) : ''),
};

const trustedBrowsersSection: SecurityPageSection = {
  id: 'trusted-browsers',
  render(model) {
    if (model.setupRequired) return '';
    const browsers = model.devices.filter((d) => d.factor === 'trusted_device');
    return html`<h2>Trusted browsers</h2>
      ${
        browsers.length === 0
          ? html`<p>No browser is trusted. Tick “Trust this device” when you verify to skip the code on a browser you own.</p>`
          : html`<ul class="device-list">${browsers.map(
              (d) => html`<li>${d.label}, trusted since ${formatTime(d.createdAt)}, until ${formatTime(d.expiresAt)} ${removeForm(model.csrf, d, 'Stop trusting')}</li>`,
            )}</ul>`
      }`;
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
  render: (model) => (model.activity ? renderRecentActivity(model.activity) : ''),
};

/** The security page's parts, top to bottom. */
export const SECURITY_PAGE_SECTIONS: readonly SecurityPageSection[] = [
  messagesSection,
  factorsSection,
  addTotpSection,
  emailSection,
  webauthnSection,
  recoveryCodesSection,
  trustedBrowsersSection,
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

export interface TotpSetupPageModel {
  csrf: string;
  setup: TotpSetup;
  /** SVG made on this server by the qrcode package from the otpauth URI. */
  qrSvg: string;
  label: string;
  error?: string;
}

/** Scan, or type the key; then prove it with a code. */
export function renderTotpSetupPage(model: TotpSetupPageModel): string {
  const groupedKey = model.setup.secret.replace(/(.{4})/g, '$1 ').trim();
  const describedBy = model.error ? 'setup-code-hint setup-code-error' : 'setup-code-hint';
  const body = html`
    <h1>Set up your authenticator app</h1>
    <ol class="steps">
      <li>
        <p>Open an authenticator app on your phone (for example Google Authenticator, Microsoft Authenticator, 2FAS or Aegis) and scan this code:</p>
        <div class="qr" role="img" aria-label="QR code for setting up your authenticator app">${raw(model.qrSvg)}</div>
        <details><summary>Can’t scan it?</summary>
          <p>Choose “enter a setup key” in the app and type this key (time-based, ${model.setup.parameters.digits} digits):</p>
          <p><code class="secret" data-testid="totp-secret">${groupedKey}</code></p>
        </details>
      </li>
      <li>
        <form method="post" action="/user/security/totp/confirm" class="card" novalidate>
          <input type="hidden" name="_csrf" value="${model.csrf}">
          <input type="hidden" name="setupId" value="${String(model.setup.setupId)}">
          <input type="hidden" name="label" value="${model.label}">
          <label for="setup-code">Enter the code the app now shows</label>
          <p id="setup-code-hint" class="hint">This QR code works until ${formatTime(model.setup.expiresAt)}. After that, start again.</p>
          ${model.error ? html`<p id="setup-code-error" class="error" role="alert">${model.error}</p>` : ''}
          <input id="setup-code" name="code" type="text" autocomplete="one-time-code" inputmode="numeric" pattern="[0-9 ]*" maxlength="12" required
            aria-describedby="${describedBy}">
          <button type="submit">Confirm and turn on</button>
        </form>
      </li>
    </ol>
    <p><a href="/user/security">Cancel</a></p>`;
  return renderPage({ title: 'Set up your authenticator app', body });
}
