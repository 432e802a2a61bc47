import type { FactorStanding } from '../../../plugin/engine/decideOutcome.ts';
import { html } from '../../html.ts';
import { renderPage } from '../../layout.ts';
import { renderSendCodeForm } from './emailPages.ts';
import { promptFor } from './factorCopy.ts';
import { renderWebauthnLoginForm } from './webauthnPages.ts';

export interface SecondFactorPageModel {
  csrf: string;
  username: string;
  /** The factor asked for now; null when none is usable. */
  current: FactorStanding | null;
  /** The user's other factors ("try another way"). */
  others: FactorStanding[];
  offerTrustDevice: boolean;
  trustHours: number;
  error?: string;
  flash?: string;
}

function triesNote(factor: FactorStanding): string {
  if (factor.triesLeft === null || factor.triesLeft > 3) return '';
  return `${factor.triesLeft} ${factor.triesLeft === 1 ? 'try' : 'tries'} left before this way of verifying is locked.`;
}

/** `/mfa`: the second step of logging in. */
export function renderSecondFactorPage(model: SecondFactorPageModel): string {
  const { current } = model;
  const prompt = current ? promptFor(current.id, current.displayName) : null;
  const note = current ? triesNote(current) : '';
  const describedBy = ['code-hint', model.error ? 'code-error' : '', note ? 'code-tries' : ''].filter(Boolean).join(' ');
  const body = html`
    <h1>Verify it’s you</h1>
    <p>You are logging in as <strong>${model.username}</strong>.</p>
    ${model.flash ? html`<p class="flash" role="status">${model.flash}</p>` : ''}
    ${current?.id === 'email' ? renderSendCodeForm(model.csrf) : ''}
    ${
      current?.id === 'webauthn'
        ? renderWebauthnLoginForm({ csrf: model.csrf, error: model.error, note, offerTrustDevice: model.offerTrustDevice, trustHours: model.trustHours })
        : current && prompt
        ? html`<form method="post" action="/mfa" class="card" novalidate>
            <input type="hidden" name="_csrf" value="${model.csrf}">
            <input type="hidden" name="factor" value="${current.id}">
            <label for="code">${prompt.label}</label>
            <p id="code-hint" class="hint">${prompt.hint}</p>
            ${model.error ? html`<p id="code-error" class="error" role="alert">${model.error}</p>` : ''}
            <input id="code" name="code" type="text" autocomplete="${prompt.inputMode === 'text' ? 'off' : 'one-time-code'}" inputmode="${prompt.inputMode ?? 'numeric'}"
              ${prompt.inputMode === 'text' ? '' : html`pattern="[0-9 ]*"`} maxlength="${String(prompt.maxLength ?? 12)}" required autofocus aria-describedby="${describedBy}" ${model.error ? html`aria-invalid="true"` : ''}>
            ${note ? html`<p id="code-tries" class="hint">${note}</p>` : ''}
            ${
              model.offerTrustDevice
                ? html`<p class="checkbox"><input type="checkbox" id="trust_device" name="trust_device" value="1">
                    <label for="trust_device">Trust this device for ${model.trustHours} hours</label></p>`
                : ''
            }
            <button type="submit">Verify</button>
          </form>`
        : html`<p class="error" role="alert">${model.error ?? 'None of your ways of verifying can be used now.'}</p>`
    }
    ${
      model.others.length > 0
        ? html`<h2>Try another way</h2>
          <ul class="factor-list">
            ${model.others.map((f) =>
              f.state === 'locked'
                ? html`<li>${f.displayName} <span class="badge">locked</span></li>`
                : html`<li><a href="/mfa?factor=${encodeURIComponent(f.id)}">${f.displayName}</a></li>`,
            )}
          </ul>`
        : ''
    }
    <details>
      <summary>I don’t have my device</summary>
      <p>Ask your site administrator to reset your second factor. After that you can log in with your password and set up a new device.</p>
    </details>
    <form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="${model.csrf}"><button type="submit" class="link">Log out</button></form>`;
  return renderPage({ title: 'Verify it’s you', body });
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
