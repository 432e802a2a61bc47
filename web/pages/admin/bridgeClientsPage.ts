import type { BridgeClient, UserSource } from '../../../plugin/bridge/bridgeClients.ts';
import { TOKEN_DOOR_POLICIES, type TokenDoorPolicy } from '../../../plugin/engine/tokenDoorPolicy.ts';
import { formatTime } from '../../formatTime.ts';
import { html } from '../../html.ts';
import { renderAdminPage } from './adminLayout.ts';

export interface BridgeClientsPageModel {
  csrf: string;
  username: string;
  clients: BridgeClient[];
  flash?: string;
  /** A client just made: its secret, shown this once. */
  created?: { clientId: string; secret: string };
  /** Why the add form was refused. */
  error?: string;
  /** Why a change to a listed client was refused. */
  changeError?: string;
  form?: { clientId: string; platform: string; userSource: UserSource; tokenDoorPolicy: string };
}

const USERS_LABEL: Record<UserSource, string> = { platform: 'its own users', site: "this site's users" };
export const TOKEN_DOOR_LABEL: Record<TokenDoorPolicy, string> = { required: 'MFA required', 'follow-site': 'As the site’s mobile-app setting' };

function tokenDoorOptions(selected: string) {
  return TOKEN_DOOR_POLICIES.map((policy) => html`<option value="${policy}" ${selected === policy ? 'selected' : ''}>${TOKEN_DOOR_LABEL[policy]}</option>`);
}

function liveClientActions(client: BridgeClient, csrf: string) {
  const path = `/admin/mfa/bridge/${encodeURIComponent(client.clientId)}`;
  const selectId = `token-door-${client.clientId}`;
  return html`<form method="post" action="${path}/token-door"><input type="hidden" name="_csrf" value="${csrf}"><label for="${selectId}">Token door of ${client.clientId}</label> <select id="${selectId}" name="tokenDoorPolicy">${tokenDoorOptions(client.tokenDoorPolicy)}</select> <button type="submit">Change</button></form>
    <form method="post" action="${path}/revoke"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit">Revoke</button></form>`;
}

/** `/admin/mfa/bridge`: the platforms allowed to call /bridge/v1 (Keycloak), each revocable at once. */
export function renderBridgeClientsPage(model: BridgeClientsPageModel): string {
  const body = html`
    <h1>Bridge clients</h1>
    <p>Platforms that are not Node (a Keycloak server) use this site's factors through <code>/bridge/v1</code>, signing every request with their client's secret.</p>
    ${model.created
      ? html`<div class="card" role="status" data-testid="bridge-secret">
          <p>Client <strong>${model.created.clientId}</strong> was made. Its secret is shown only now: copy it into the platform's configuration.</p>
          <p><code>${model.created.secret}</code></p>
        </div>`
      : ''}
    ${model.changeError ? html`<p role="alert">${model.changeError}</p>` : ''}
    <table>
      <caption>Clients</caption>
      <thead><tr><th scope="col">Client id</th><th scope="col">Platform</th><th scope="col">Users</th><th scope="col">Token door</th><th scope="col">Made</th><th scope="col">Last used</th><th scope="col">State</th></tr></thead>
      <tbody>${model.clients.map(
        (c) => html`<tr data-client="${c.clientId}"><th scope="row">${c.clientId}</th><td>${c.platform}</td><td>${USERS_LABEL[c.userSource]}</td><td>${TOKEN_DOOR_LABEL[c.tokenDoorPolicy]}</td><td>${formatTime(c.createdAt)}</td><td>${c.lastUsedAt === null ? 'never' : formatTime(c.lastUsedAt)}</td><td>${
          c.revokedAt === null ? liveClientActions(c, model.csrf) : html`revoked ${formatTime(c.revokedAt)}`
        }</td></tr>`,
      )}</tbody>
    </table>
    ${model.clients.length === 0 ? html`<p>No clients yet.</p>` : ''}
    <form method="post" action="/admin/mfa/bridge" class="card">
      <h2>Add a client</h2>
      ${model.error ? html`<p role="alert">${model.error}</p>` : ''}
      <input type="hidden" name="_csrf" value="${model.csrf}">
      <label for="bridge-client-id">Client id</label>
      <input id="bridge-client-id" name="clientId" required maxlength="64" placeholder="keycloak-main" value="${model.form?.clientId ?? ''}">
      <label for="bridge-platform">Platform</label>
      <input id="bridge-platform" name="platform" required maxlength="64" placeholder="keycloak" value="${model.form?.platform ?? ''}">
      <label for="bridge-user-source">Its users</label>
      <select id="bridge-user-source" name="userSource" aria-describedby="bridge-user-source-help">
        ${(['platform', 'site'] as const).map((source) => html`<option value="${source}" ${model.form?.userSource === source ? 'selected' : ''}>${USERS_LABEL[source]}</option>`)}
      </select>
      <p id="bridge-user-source-help" class="hint">Choose "this site's users" when the platform's users are this site's (a Keycloak over the same directory): a user of the same username and verified email address then has one set of factors, one lockout and one audit on both.</p>
      <label for="bridge-token-door">Token door</label>
      <select id="bridge-token-door" name="tokenDoorPolicy" aria-describedby="bridge-token-door-help">
        ${tokenDoorOptions(model.form?.tokenDoorPolicy ?? 'required')}
      </select>
      <p id="bridge-token-door-help" class="hint">The platform's logins without a browser (Keycloak's direct grant). "MFA required": the second factor is asked at every one, whatever this site's "Enable MFA for the mobile app" says (that setting is for this site's own app). "As the site’s mobile-app setting": only while that setting is on.</p>
      <button type="submit">Add client</button>
    </form>`;
  return renderAdminPage({ title: 'MFA bridge clients', current: 'bridge', body, username: model.username, csrf: model.csrf, flash: model.flash });
}
