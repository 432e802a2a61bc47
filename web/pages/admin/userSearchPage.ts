import type { HostUser } from '../../../plugin/spi/host.ts';
import { html } from '../../html.ts';
import { renderAdminPage } from './adminLayout.ts';

export interface UserSearchPageModel {
  csrf: string;
  username: string;
  query: string;
  /** null before a search was made. */
  results: HostUser[] | null;
}

/** `/admin/mfa/users`: find a user by username or email, to see or reset their MFA. */
export function renderUserSearchPage(model: UserSearchPageModel): string {
  const body = html`
    <h1>Users</h1>
    <form method="get" action="/admin/mfa/users" class="card" role="search">
      <label for="user-query">Username or email</label>
      <input type="search" id="user-query" name="q" value="${model.query}" autocapitalize="none" spellcheck="false" maxlength="100" aria-describedby="user-query-hint">
      <p id="user-query-hint" class="hint">Part of a username or email address is enough.</p>
      <button type="submit">Search</button>
    </form>
    ${
      model.results === null
        ? ''
        : model.results.length === 0
          ? html`<p role="status">No user matches “${model.query}”.</p>`
          : html`<h2 id="results-heading">Matching users</h2>
            <table aria-labelledby="results-heading">
              <thead><tr><th scope="col">Username</th><th scope="col">Email</th><th scope="col">Status</th></tr></thead>
              <tbody>${model.results.map(
                (u) => html`<tr><td><a href="/admin/mfa/users/${encodeURIComponent(u.id)}">${u.username}</a></td><td>${u.email}</td>
                  <td>${u.suspended ? 'suspended' : 'active'}${u.isAdmin ? ', administrator' : ''}</td></tr>`,
              )}</tbody>
            </table>`
    }`;
  return renderAdminPage({ title: 'MFA users', current: 'users', body, username: model.username, csrf: model.csrf });
}
