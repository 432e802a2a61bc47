import { html } from '../../web/html.ts';
import { renderPage } from '../../web/layout.ts';

/** launch.php cannot go on: what went wrong and what to do, in the site's shell. */
export function renderLaunchProblemPage(model: { title: string; message: string; siteName: string }): string {
  const body = html`
    <h1>${model.title}</h1>
    <p role="alert">${model.message}</p>
    <p><a href="/my">Go to your page on ${model.siteName}</a></p>`;
  return renderPage({ title: model.title, body, siteName: model.siteName });
}

export interface OpenAppConfirmModel {
  siteName: string;
  username: string;
  csrf: string;
  service: string;
  passport: string;
  urlscheme: string;
}

/**
 * Asked when the browser was already signed in: some app or page opened the link, not
 * necessarily the user. Nothing is handed over until they press the button (a POST with
 * the CSRF token); Cancel hands nothing over.
 */
export function renderOpenAppConfirmPage(model: OpenAppConfirmModel): string {
  const body = html`
    <h1>Open the ${model.siteName} app signed in as ${model.username}?</h1>
    <p>An app asked to sign in to your account with this browser. Continue only if you just started signing in from the ${model.siteName} app on this device.</p>
    <form method="post" action="/admin/tool/mobile/launch.php" class="card">
      <input type="hidden" name="_csrf" value="${model.csrf}">
      <input type="hidden" name="service" value="${model.service}">
      <input type="hidden" name="passport" value="${model.passport}">
      <input type="hidden" name="urlscheme" value="${model.urlscheme}">
      <button type="submit">Open the app as ${model.username}</button>
      <p><a href="/my" data-testid="cancel-launch">Cancel</a></p>
    </form>`;
  return renderPage({ title: 'Open the app?', body, username: model.username, csrf: model.csrf, siteName: model.siteName });
}

/**
 * The hand-off: a link to the app's scheme, which /assets/openApp.js follows at once. A page,
 * not a redirect: after a form POST (the password, the second factor, the confirmation)
 * Chromium applies the CSP `form-action 'self'` to the whole redirect chain and drops a
 * redirect to another scheme, while a script navigation from this page carries the user's
 * gesture on. Where the browser still wants a tap, the link is there (Moodle does the same
 * for iOS: launch.php, `launchapp`).
 */
export function renderOpenAppPage(model: { siteName: string; username: string; appUrl: string }): string {
  const body = html`
    <h1>Returning to the app</h1>
    <p>You are signed in as ${model.username}. The ${model.siteName} app should open now.</p>
    <p><a id="launchapp" class="button" href="${model.appUrl}">Open the app</a></p>
    <p>If nothing happens, tap the button. You can close this window afterwards.</p>
    <script src="/assets/openApp.js"></script>`;
  return renderPage({ title: 'Returning to the app', body, siteName: model.siteName });
}
