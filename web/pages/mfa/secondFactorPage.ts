import type { FactorStanding } from '../../../plugin/engine/decideOutcome.ts';
import type { PassOffer } from '../../../plugin/login/loginStep.ts';
import type { ChallengeView, FactorPrompt } from '../../../plugin/spi/factorPresentation.ts';
import { html, type SafeHtml } from '../../html.ts';
import { renderPage } from '../../layout.ts';
import { type DrawnQrCodes, renderBlocks } from './displayBlocks.ts';
import { assetPath, type FactorView } from './factorView.ts';
import { pageAssetPath } from '../../pageAssets.ts';

export interface OfferedFactor {
  standing: FactorStanding;
  view: FactorView;
}

export interface SecondFactorPageModel {
  csrf: string;
  username: string;
  siteName?: string;
  /** The factor asked for now; null when none is usable. */
  current: OfferedFactor | null;
  /** The user's other factors ("try another way"). */
  others: OfferedFactor[];
  /** What factors offer to do once the login passes ("Trust this device for 24 hours"): a checkbox each. */
  offers: readonly PassOffer[];
  /** What the current factor said when it was started (an approval waiting on a phone: the number to match). */
  challenge?: ChallengeView;
  qr?: DrawnQrCodes;
  error?: string;
  flash?: string;
}

function triesNote(factor: FactorStanding): string {
  if (factor.triesLeft === null || factor.triesLeft > 3) return '';
  return `${factor.triesLeft} ${factor.triesLeft === 1 ? 'try' : 'tries'} left before this way of verifying is locked.`;
}

function offerCheckboxes(offers: readonly PassOffer[]): SafeHtml[] {
  return offers.map(
    (offer) => html`<p class="checkbox"><input type="checkbox" id="${offer.field}" name="${offer.field}" value="1">
        <label for="${offer.field}">${offer.label}</label></p>`,
  );
}

/** A factor without a declared prompt still takes a typed code: its name is the label. */
function promptOf(view: FactorView): FactorPrompt {
  return view.presentation.prompt ?? { kind: 'code', label: view.name, hint: '' };
}

function hidden(csrf: string, factorId: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="factor" value="${factorId}">`;
}

function codePrompt(model: SecondFactorPageModel, factor: OfferedFactor, prompt: Extract<FactorPrompt, { kind: 'code' }>, note: string): SafeHtml {
  const describedBy = ['code-hint', model.error ? 'code-error' : '', note ? 'code-tries' : ''].filter(Boolean).join(' ');
  const text = prompt.inputMode === 'text';
  return html`${
    prompt.send
      ? html`<form method="post" action="/mfa/challenge" class="inline">${hidden(model.csrf, factor.view.id)}<button type="submit" class="secondary">${prompt.send.button}</button></form>`
      : ''
  }
    <form method="post" action="/mfa" class="card" novalidate>
      ${hidden(model.csrf, factor.view.id)}
      <label for="code">${prompt.label}</label>
      <p id="code-hint" class="hint">${prompt.hint}</p>
      ${model.error ? html`<p id="code-error" class="error" role="alert">${model.error}</p>` : ''}
      <input id="code" name="code" type="text" autocomplete="${text ? 'off' : 'one-time-code'}" inputmode="${prompt.inputMode ?? 'numeric'}"
        ${text ? '' : html`pattern="[0-9 ]*"`} maxlength="${String(prompt.maxLength ?? 12)}" required autofocus aria-describedby="${describedBy}" ${model.error ? html`aria-invalid="true"` : ''}>
      ${note ? html`<p id="code-tries" class="hint">${note}</p>` : ''}
      ${offerCheckboxes(model.offers)}
      <button type="submit">Verify</button>
    </form>`;
}

/** A button that runs the factor's browser script; the script asks /mfa/challenge and posts the answer to /mfa like any input. */
function browserPrompt(model: SecondFactorPageModel, factor: OfferedFactor, prompt: Extract<FactorPrompt, { kind: 'browser' }>, note: string): SafeHtml {
  const id = factor.view.id;
  return html`<form method="post" action="/mfa" class="card" id="${id}-login" data-browser-prompt="${id}" data-options-url="/mfa/challenge">
      ${hidden(model.csrf, id)}
      <input type="hidden" name="response" value="">
      <p id="${id}-hint" class="hint">${prompt.hint}</p>
      ${model.error ? html`<p id="${id}-error" class="error" role="alert">${model.error}</p>` : ''}
      <p class="error" role="alert" data-status hidden></p>
      ${note ? html`<p class="hint">${note}</p>` : ''}
      ${offerCheckboxes(model.offers)}
      <button type="button" data-start aria-describedby="${id}-hint">${prompt.button}</button>
    </form>
    <script src="${assetPath(id, prompt.script)}" defer></script>`;
}

/**
 * Approval on another device: first a button that starts it; once started, what the factor
 * shows (the number to match) and a form the page posts by itself when /mfa/status says the
 * answer is in (the button is there for a browser without script).
 */
function approvalPrompt(model: SecondFactorPageModel, factor: OfferedFactor, prompt: Extract<FactorPrompt, { kind: 'approval' }>, note: string): SafeHtml {
  const id = factor.view.id;
  const errorLine = model.error ? html`<p class="error" role="alert">${model.error}</p>` : '';
  if (!model.challenge) {
    return html`<form method="post" action="/mfa/challenge" class="card">
      ${hidden(model.csrf, id)}
      <p id="${id}-hint" class="hint">${prompt.hint}</p>
      ${errorLine}
      ${note ? html`<p class="hint">${note}</p>` : ''}
      <button type="submit" aria-describedby="${id}-hint">${prompt.button}</button>
    </form>`;
  }
  const status = `/mfa/status?factor=${encodeURIComponent(id)}`;
  return html`<form method="post" action="/mfa" class="card" id="approval-wait" data-status-url="${status}" data-events-url="/mfa/status/events?factor=${encodeURIComponent(id)}">
      ${hidden(model.csrf, id)}
      ${model.challenge.message ? html`<p role="status">${model.challenge.message}</p>` : ''}
      ${renderBlocks(model.challenge.blocks ?? [], { csrf: model.csrf, siteName: model.siteName ?? '', qr: model.qr ?? new Map() })}
      ${errorLine}
      <p class="hint" data-status aria-live="polite">Waiting for your answer…</p>
      ${offerCheckboxes(model.offers)}
      <button type="submit" class="secondary">I have approved it</button>
    </form>
    <script src="${pageAssetPath('approvalWait.js')}" defer></script>
    ${prompt.script ? html`<script src="${assetPath(id, prompt.script)}" defer></script>` : ''}`;
}

function renderPrompt(model: SecondFactorPageModel, factor: OfferedFactor): SafeHtml {
  const prompt = promptOf(factor.view);
  const note = triesNote(factor.standing);
  switch (prompt.kind) {
    case 'code':
      return codePrompt(model, factor, prompt, note);
    case 'browser':
      return browserPrompt(model, factor, prompt, note);
    case 'approval':
      return approvalPrompt(model, factor, prompt, note);
  }
}

/** `/mfa`: the second step of logging in, asking for one factor the way it declares, with the others under "Try another way". */
export function renderSecondFactorPage(model: SecondFactorPageModel): string {
  const { current } = model;
  const body = html`
    <h1>Verify it’s you</h1>
    <p>You are logging in as <strong>${model.username}</strong>.</p>
    ${model.flash ? html`<p class="flash" role="status">${model.flash}</p>` : ''}
    ${current ? renderPrompt(model, current) : html`<p class="error" role="alert">${model.error ?? 'None of your ways of verifying can be used now.'}</p>`}
    ${
      model.others.length > 0
        ? html`<h2>Try another way</h2>
          <ul class="factor-list">
            ${model.others.map((f) =>
              f.standing.state === 'locked'
                ? html`<li>${f.view.name} <span class="badge">locked</span></li>`
                : html`<li><a href="/mfa?factor=${encodeURIComponent(f.view.id)}">${f.view.name}</a></li>`,
            )}
          </ul>`
        : ''
    }
    <details>
      <summary>I don’t have my device</summary>
      <p>Ask your site administrator to reset your second factor. After that you can log in with your password and set up a new device.</p>
    </details>
    <form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="${model.csrf}"><button type="submit" class="link">Log out</button></form>`;
  return renderPage({ title: 'Verify it’s you', body, siteName: model.siteName });
}

/** Every usable factor is locked: say so, and what to do. */
export function renderLockedPage(model: { csrf: string; username: string }): string {
  const body = html`
    <h1>Too many wrong tries</h1>
    <p role="alert">Every way of verifying set up for <strong>${model.username}</strong> is locked after too many wrong codes.</p>
    <p>Ask your site administrator to unlock your account. If you did not try to log in just now, tell them: someone may know your password.</p>
    <form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="${model.csrf}"><button type="submit">Log out</button></form>`;
  return renderPage({ title: 'Too many wrong tries', body });
}
