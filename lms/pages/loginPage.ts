import { html } from '../../web/html.ts';
import { renderPage } from '../../web/layout.ts';

export interface LoginPageModel {
  csrf: string;
  returnTo: string | null;
  username?: string;
  error?: string;
  notice?: string;
  siteName: string;
}

/** The host's password form: fields `username` and `password`. */
export function renderLoginPage(model: LoginPageModel): string {
  const action = model.returnTo ? `/login?returnTo=${encodeURIComponent(model.returnTo)}` : '/login';
  const describedBy = model.error ? 'login-error' : undefined;
  const body = html`
    <h1>Log in</h1>
    ${model.notice ? html`<p class="notice" role="status">${model.notice}</p>` : ''}
    <form method="post" action="${action}" class="card" novalidate>
      <input type="hidden" name="_csrf" value="${model.csrf}">
      ${model.error ? html`<p id="login-error" class="error" role="alert">${model.error}</p>` : ''}
      <label for="username">Username</label>
      <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" required value="${model.username ?? ''}" ${describedBy ? html`aria-describedby="${describedBy}" aria-invalid="true"` : ''}>
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required ${describedBy ? html`aria-describedby="${describedBy}" aria-invalid="true"` : ''}>
      <button type="submit">Log in</button>
    </form>`;
  return renderPage({ title: 'Log in', body, siteName: model.siteName });
}

export function renderMyPage(model: { username: string; csrf: string; isAdmin: boolean; siteName: string }): string {
  const body = html`
    <h1>Welcome, ${model.username}</h1>
    <p>This is your page on ${model.siteName}.</p>
    <ul>
      <li><a href="/user/security">Security: your ways of verifying it’s you</a></li>
      ${model.isAdmin ? html`<li><a href="/admin">Site administration</a></li>` : ''}
    </ul>`;
  return renderPage({ title: 'My page', body, username: model.username, csrf: model.csrf, siteName: model.siteName });
}

export function renderAdminPage(model: { username: string; csrf: string; siteName: string }): string {
  const body = html`
    <h1>Site administration</h1>
    <p><a href="/admin/mfa">Multi-factor authentication</a>: settings, users (reset, unlock), factor report. In an emergency: <code>npx mfa-bridge settings</code>.</p>`;
  return renderPage({ title: 'Site administration', body, username: model.username, csrf: model.csrf, siteName: model.siteName });
}

export function renderLogoutPage(model: { csrf: string; siteName: string }): string {
  const body = html`
    <h1>Log out</h1>
    <form method="post" action="/logout" class="card"><input type="hidden" name="_csrf" value="${model.csrf}"><button type="submit">Log out</button></form>`;
  return renderPage({ title: 'Log out', body, siteName: model.siteName });
}

export function renderMessagePage(model: { title: string; message: string; siteName: string }): string {
  return renderPage({ title: model.title, body: html`<h1>${model.title}</h1><p role="alert">${model.message}</p><p><a href="/">Back to the start page</a></p>`, siteName: model.siteName });
}
