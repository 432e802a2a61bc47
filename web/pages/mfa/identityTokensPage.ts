import type { UserToken } from '../../../plugin/credentials/userTokens.ts';
import { html } from '../../html.ts';
import { renderPage } from '../../layout.ts';
import { renderTokenList } from './tokenList.ts';
import { pageAssetPath } from '../../pageAssets.ts';

/** Expiry choices on the form; the API takes any date. */
export const TOKEN_LIFETIMES: Record<string, { label: string; days: number | null }> = {
  '30': { label: '30 days', days: 30 },
  '90': { label: '90 days', days: 90 },
  '365': { label: '1 year', days: 365 },
  never: { label: 'Until I revoke it', days: null },
};

export interface IdentityTokensPageModel {
  csrf: string;
  username: string;
  tokens: readonly UserToken[];
  /** Scope name → what it allows (the host's). */
  scopes: Readonly<Record<string, string>>;
  /** The form's values and the error beside its field, after a refused request. */
  form?: { name: string; lifetime: string; scope: readonly string[]; error?: { field: string; message: string } };
  flash?: string;
}

/** `/user/security/tokens`: tokens for scripts and apps; make one (after a recent MFA pass), revoke any. */
export function renderIdentityTokensPage(model: IdentityTokensPageModel): string {
  const form = model.form ?? { name: '', lifetime: '90', scope: [] };
  const error = form.error;
  const errorFor = (field: string) => (error?.field === field ? html`<p id="${field}-error" class="error">${error.message}</p>` : '');
  const invalid = (field: string) => (error?.field === field ? html`aria-invalid="true" aria-describedby="${field}-error"` : '');
  const scopeNames = Object.keys(model.scopes);
  const body = html`
    <h1>Tokens for scripts and apps</h1>
    ${model.flash ? html`<p class="flash" role="status">${model.flash}</p>` : ''}
    <p>An identity token lets a program you run (an upload script, a sync tool, an instrument PC) use your account
      without your password and without MFA. If it leaks, revoke it here: your password stays safe.
      The mobile app’s tokens are listed here too.</p>
    <h2>Your tokens</h2>
    ${renderTokenList({ tokens: model.tokens, csrf: model.csrf, revokeAction: '/user/security/tokens/revoke', empty: 'You have no tokens.' })}
    <form method="post" action="/user/security/tokens" class="card" novalidate>
      <input type="hidden" name="_csrf" value="${model.csrf}">
      <h2>Make a token</h2>
      ${error && !['name', 'expiresAt', 'scope'].includes(error.field) ? html`<p class="error" role="alert">${error.message}</p>` : ''}
      <label for="token-name">Token name</label>
      ${errorFor('name')}
      <input type="text" id="token-name" name="name" maxlength="100" required value="${form.name}" ${invalid('name')} placeholder="Lab upload PC">
      <label for="token-lifetime">Expires after</label>
      ${errorFor('expiresAt')}
      <select id="token-lifetime" name="lifetime" ${invalid('expiresAt')}>
        ${Object.entries(TOKEN_LIFETIMES).map(([value, { label }]) => html`<option value="${value}" ${form.lifetime === value ? 'selected' : ''}>${label}</option>`)}
      </select>
      ${
        scopeNames.length > 0
          ? html`<fieldset ${invalid('scope')}><legend>What it may do besides telling who you are</legend>
              ${errorFor('scope')}
              ${scopeNames.map(
                (name, i) => html`<div><input type="checkbox" id="scope-${i}" name="scope" value="${name}" ${form.scope.includes(name) ? 'checked' : ''}>
                  <label for="scope-${i}" class="inline">${name}: ${model.scopes[name] ?? ''}</label></div>`,
              )}</fieldset>`
          : ''
      }
      <button type="submit">Make token</button>
    </form>
    <p><a href="/user/security">Back to Security</a></p>`;
  return renderPage({ title: 'Tokens for scripts and apps', body, username: model.username, csrf: model.csrf });
}

/** The new token, shown this once. */
export function renderNewTokenPage(model: { csrf: string; username: string; name: string; token: string; expiresAt: number | null }): string {
  const body = html`
    <h1>Your new token</h1>
    <p role="status"><strong>${model.name}</strong> is ready. Copy it now: this is the only time it is shown.
      Keep it like a password, in a file only the program can read.</p>
    <pre class="new-token" data-testid="new-token">${model.token}</pre>
    <button type="button" class="secondary" id="copy-codes" data-codes="${model.token}">Copy</button>
    <p>Use it as <code>Authorization: Bearer …</code> on API calls.${model.expiresAt === null ? ' It works until you revoke it.' : ''}</p>
    <p><a href="/user/security/tokens">Done</a></p>
    <script src="${pageAssetPath('copyCodes.js')}" defer></script>`;
  return renderPage({ title: 'Your new token', body, username: model.username, csrf: model.csrf });
}
