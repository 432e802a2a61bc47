import type { RecoveryCodesLeft, RecoveryCodesSetup } from '../../../plugin/factors/recovery-codes/index.ts';
import { html, type SafeHtml } from '../../html.ts';
import { renderPage } from '../../layout.ts';
import { formatTime } from './factorCopy.ts';

/** The codes as a text file, made here as a data: URL: nothing leaves the page for a download service. */
function downloadHref(siteName: string, codes: readonly string[]): string {
  const text = [`Recovery codes for ${siteName}`, 'Each code works once. Keep them somewhere safe.', '', ...codes, ''].join('\n');
  return `data:text/plain;charset=utf-8,${encodeURIComponent(text)}`;
}

/** The new set, shown this once, with copy and download; the old set works until "I have saved these codes". */
export function renderRecoveryCodesPage(model: { csrf: string; siteName: string; setup: RecoveryCodesSetup }): string {
  const { setup } = model;
  const body = html`
    <h1>Your recovery codes</h1>
    <p role="status">Save these codes now: this is the only time they are shown. Each works once, when you don’t have your device.</p>
    <ol class="recovery-codes" data-testid="recovery-codes">${setup.codes.map((code) => html`<li><code>${code}</code></li>`)}</ol>
    <p>
      <button type="button" class="secondary" id="copy-codes" data-codes="${setup.codes.join('\n')}">Copy</button>
      <a class="button secondary" download="recovery-codes.txt" href="${downloadHref(model.siteName, setup.codes)}">Download as a text file</a>
    </p>
    <script src="/assets/copyCodes.js" defer></script>
    ${setup.replacesRemaining > 0 ? html`<p class="notice">Your ${String(setup.replacesRemaining)} unused old codes stop working once you confirm.</p>` : ''}
    <form method="post" action="/user/security/recovery-codes/confirm" class="card">
      <input type="hidden" name="_csrf" value="${model.csrf}">
      <input type="hidden" name="setupId" value="${String(setup.setupId)}">
      <button type="submit">I have saved these codes</button>
      <p class="hint">Confirm by ${formatTime(setup.expiresAt)}, or these codes are dropped.</p>
    </form>
    <p><a href="/user/security">Cancel (keep my old codes)</a></p>`;
  return renderPage({ title: 'Your recovery codes', body });
}

/** The security page's recovery-codes card: how many are left, and a button for a new set. */
export function renderRecoveryCodesCard(model: { csrf: string; left: RecoveryCodesLeft }): SafeHtml {
  const { left } = model;
  return html`<form method="post" action="/user/security/recovery-codes/generate" class="card">
    <input type="hidden" name="_csrf" value="${model.csrf}">
    <h3>Recovery codes</h3>
    ${
      left.total === 0
        ? html`<p>Recovery codes let you log in when you don’t have your device.</p>`
        : html`<p data-testid="recovery-codes-left">${String(left.remaining)} of ${String(left.total)} recovery codes left.</p>`
    }
    ${left.runningLow ? html`<p class="notice" role="alert">You are running out of recovery codes. Generate a new set.</p>` : ''}
    <button type="submit">${left.total === 0 ? 'Generate recovery codes' : 'Generate new recovery codes'}</button>
  </form>`;
}

/** After a recovery code let the user in: how many remain, and where to make more. */
export function recoveryCodeUsedMessage(left: RecoveryCodesLeft): string {
  const count = `${left.remaining} recovery ${left.remaining === 1 ? 'code' : 'codes'} left`;
  return left.runningLow
    ? `You logged in with a recovery code. You have ${count}: generate a new set below, and set up your device again if you lost it.`
    : `You logged in with a recovery code. You have ${count}. If you lost your device, set it up again below.`;
}
