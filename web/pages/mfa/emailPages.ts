import type { EmailCodeSent } from '../../../plugin/factors/email/index.ts';
import { html, type SafeHtml } from '../../html.ts';
import { renderPage } from '../../layout.ts';
import { formatTime } from './factorCopy.ts';

/** "Send me a code" on the second-factor page: mail goes out only when the user asks. */
export function renderSendCodeForm(csrf: string): SafeHtml {
  return html`<form method="post" action="/mfa/challenge" class="inline">
    <input type="hidden" name="_csrf" value="${csrf}">
    <input type="hidden" name="factor" value="email">
    <button type="submit" class="secondary">Send me a code</button>
  </form>`;
}

/** What the page says once a code went out: where (masked), and for how long. */
export function codeSentMessage(sent: EmailCodeSent): string {
  return `We sent a code to ${sent.sentTo}. It works until ${formatTime(sent.expiresAt)}. It can take a minute to arrive; check your spam folder too.`;
}

export interface EmailSetupPageModel {
  csrf: string;
  sent: EmailCodeSent;
  error?: string;
}

/** Turning email codes on, step two: type back the code we mailed. */
export function renderEmailSetupPage(model: EmailSetupPageModel): string {
  const describedBy = model.error ? 'email-code-hint email-code-error' : 'email-code-hint';
  const body = html`
    <h1>Turn on email codes</h1>
    <p class="flash" role="status">${codeSentMessage(model.sent)}</p>
    <form method="post" action="/user/security/email/confirm" class="card" novalidate>
      <input type="hidden" name="_csrf" value="${model.csrf}">
      <input type="hidden" name="setupId" value="${String(model.sent.setupId ?? '')}">
      <label for="email-code">Code from the email</label>
      <p id="email-code-hint" class="hint">Entering it proves you receive mail at this address. After that you can ask for a code by email when you log in.</p>
      ${model.error ? html`<p id="email-code-error" class="error" role="alert">${model.error}</p>` : ''}
      <input id="email-code" name="code" type="text" autocomplete="one-time-code" inputmode="numeric" pattern="[0-9 ]*" maxlength="12" required autofocus
        aria-describedby="${describedBy}">
      <button type="submit">Confirm and turn on</button>
    </form>
    <form method="post" action="/user/security/email/setup" class="inline">
      <input type="hidden" name="_csrf" value="${model.csrf}">
      <button type="submit" class="secondary">Send a new code</button>
    </form>
    <p><a href="/user/security">Cancel</a></p>`;
  return renderPage({ title: 'Turn on email codes', body });
}

/**
 * The "This wasn't me" link lands here. It only asks: mail scanners open links in mail
 * to check them, and a GET that cancelled would cancel real logins. The button does it.
 */
export function renderNotMePage(model: { csrf: string; token: string }): string {
  const body = html`
    <h1>This wasn’t me</h1>
    <p>If you did not just try to log in, someone else knows your password. Stop that login now; then change your password.</p>
    <form method="post" action="/mfa/not-me" class="card">
      <input type="hidden" name="_csrf" value="${model.csrf}">
      <input type="hidden" name="token" value="${model.token}">
      <button type="submit">Stop that login</button>
    </form>
    <p>Your account stays open to you, and you can keep using email codes.</p>`;
  return renderPage({ title: 'This wasn’t me', body });
}

/** What happened, and what to do next. */
export function renderNotMeResultPage(model: { message: string; stopped: boolean }): string {
  const body = html`
    <h1>${model.stopped ? 'We stopped that login' : 'Nothing to stop'}</h1>
    <p role="status">${model.message}</p>
    <p><a href="/login">Log in</a> and change your password from your profile.</p>`;
  return renderPage({ title: 'This wasn’t me', body });
}
