import type { UserToken } from '../../../plugin/credentials/userTokens.ts';
import { html, type SafeHtml } from '../../html.ts';
import { formatTime } from '../../formatTime.ts';

export interface TokenListModel {
  tokens: readonly UserToken[];
  csrf: string;
  /** Where each row's Revoke form posts (with the field `token`). */
  revokeAction: string;
  /** What to say when there are none. */
  empty: string;
}

const KIND_NAMES: Record<UserToken['kind'], string> = { identity: 'Identity token', service: 'App token (login/token.php)' };

/**
 * The tokens that act for a user without MFA, on the user's security page and on the
 * admin's view of them: same table, same Revoke, never the token itself.
 */
export function renderTokenList(model: TokenListModel): SafeHtml {
  if (model.tokens.length === 0) return html`<p>${model.empty}</p>`;
  return html`<table>
    <thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Scope</th><th scope="col">Made</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Revoke</span></th></tr></thead>
    <tbody>${model.tokens.map(
      (t) => html`<tr>
        <td class="token-name">${t.name}</td><td data-label="Kind">${KIND_NAMES[t.kind]}</td><td data-label="Scope">${t.scope.length > 0 ? t.scope.join(', ') : '—'}</td>
        <td data-label="Made">${formatTime(t.createdAt)}</td><td data-label="Expires">${t.expiresAt === null ? 'when revoked' : formatTime(t.expiresAt)}</td>
        <td data-label="Last used">${formatTime(t.lastUsedAt)}${t.lastUsedIp ? ` from ${t.lastUsedIp}` : ''}</td>
        <td><form method="post" action="${model.revokeAction}" class="inline">
          <input type="hidden" name="_csrf" value="${model.csrf}">
          <input type="hidden" name="token" value="${t.id}">
          <button type="submit" class="secondary" aria-label="Revoke ${t.name}">Revoke</button>
        </form></td>
      </tr>`,
    )}</tbody>
  </table>`;
}
