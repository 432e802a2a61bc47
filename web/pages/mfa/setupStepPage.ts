import type { SetupStep } from '../../../plugin/spi/factorPresentation.ts';
import { formatTime } from '../../formatTime.ts';
import { html, type SafeHtml } from '../../html.ts';
import { renderPage } from '../../layout.ts';
import { type DrawnQrCodes, renderBlocks } from './displayBlocks.ts';
import { assetPath, setupPath } from './factorView.ts';
import { pageAssetPath } from '../../pageAssets.ts';

export interface SetupStepPageModel {
  csrf: string;
  siteName: string;
  factorId: string;
  step: SetupStep;
  qr: DrawnQrCodes;
  error?: string;
}

function confirmControls(model: SetupStepPageModel): SafeHtml {
  const { confirm } = model.step;
  switch (confirm.kind) {
    case 'code': {
      const describedBy = model.error ? 'setup-code-hint setup-code-error' : 'setup-code-hint';
      const text = confirm.inputMode === 'text';
      return html`<label for="setup-code">${confirm.label}</label>
        <p id="setup-code-hint" class="hint">${confirm.hint}${model.step.expiresAt ? ` This step works until ${formatTime(model.step.expiresAt)}. After that, start again.` : ''}</p>
        ${model.error ? html`<p id="setup-code-error" class="error" role="alert">${model.error}</p>` : ''}
        <input id="setup-code" name="code" type="text" autocomplete="${text ? 'off' : 'one-time-code'}" inputmode="${confirm.inputMode ?? 'numeric'}"
          ${text ? '' : html`pattern="[0-9 ]*"`} maxlength="12" required autofocus aria-describedby="${describedBy}">
        <button type="submit">${confirm.button ?? 'Confirm and turn on'}</button>`;
    }
    case 'acknowledge':
      return html`${model.error ? html`<p class="error" role="alert">${model.error}</p>` : ''}<button type="submit">${confirm.button}</button>`;
    case 'wait':
      // setupWait.js opens the step as it stands once it moved on; the button does the same in a browser without script.
      return html`<p class="hint" data-status aria-live="polite">${confirm.hint}</p>
        ${model.error ? html`<p class="error" role="alert">${model.error}</p>` : ''}
        <button type="submit" class="secondary">Check again</button>`;
  }
}

/** One step of setting a factor up: what the factor shows (QR code, key, codes), then how the user finishes it. */
export function renderSetupStepPage(model: SetupStepPageModel): string {
  const { step, factorId } = model;
  const carry = Object.entries(step.carry);
  const waits = step.confirm.kind === 'wait';
  const query = new URLSearchParams(carry).toString();
  // A waiting step holds no confirmation: its form only asks to see the step again (a GET, no CSRF token in the URL).
  const form = waits
    ? html`<form method="get" action="${setupPath(factorId, 'setup/step')}" class="card" id="setup-wait"
        data-status-url="${setupPath(factorId, 'setup/status')}?${query}" data-step-url="${setupPath(factorId, 'setup/step')}?${query}">`
    : html`<form method="post" action="${setupPath(factorId, 'confirm')}" class="card" novalidate>
        <input type="hidden" name="_csrf" value="${model.csrf}">`;
  const body = html`
    <h1>${step.title}</h1>
    ${renderBlocks(step.blocks, { csrf: model.csrf, siteName: model.siteName, qr: model.qr })}
    ${form}
      ${carry.map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
      ${confirmControls(model)}
    </form>
    ${
      step.restart
        ? html`<form method="post" action="${setupPath(factorId, 'setup')}" class="inline">
            <input type="hidden" name="_csrf" value="${model.csrf}">
            <button type="submit" class="secondary">${step.restart.button}</button>
          </form>`
        : ''
    }
    ${waits ? html`<script src="${pageAssetPath('setupWait.js')}" defer></script>` : ''}
    ${step.confirm.kind === 'wait' && step.confirm.script ? html`<script src="${assetPath(factorId, step.confirm.script)}" defer></script>` : ''}
    <p><a href="/user/security">Cancel</a></p>`;
  return renderPage({ title: step.title, body });
}
