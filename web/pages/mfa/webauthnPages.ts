import type { FactorDevice } from '../../../plugin/spi/factor.ts';
import { html, type SafeHtml } from '../../html.ts';

/** The page script: talks to the key through @simplewebauthn/browser, served from this site (never a CDN). */
const SCRIPT = html`<script type="module" src="/assets/webauthn.js"></script>`;

export interface WebauthnLoginFormModel {
  csrf: string;
  error?: string;
  /** "2 tries left…", when few are. */
  note?: string;
  offerTrustDevice: boolean;
  trustHours: number;
}

/**
 * On /mfa, instead of a code box: a button that asks the key, then posts its answer
 * (JSON in a hidden field) to POST /mfa like any other factor's input.
 */
export function renderWebauthnLoginForm(model: WebauthnLoginFormModel): SafeHtml {
  return html`<form method="post" action="/mfa" class="card" id="webauthn-login" data-options-url="/mfa/webauthn/options">
    <input type="hidden" name="_csrf" value="${model.csrf}">
    <input type="hidden" name="factor" value="webauthn">
    <input type="hidden" name="response" value="">
    <p id="webauthn-hint" class="hint">Your browser will ask for your security key or passkey: touch the key, or confirm with your fingerprint, face or PIN.</p>
    ${model.error ? html`<p id="webauthn-error" class="error" role="alert">${model.error}</p>` : ''}
    <p class="error" role="alert" data-webauthn-status hidden></p>
    ${model.note ? html`<p class="hint">${model.note}</p>` : ''}
    ${
      model.offerTrustDevice
        ? html`<p class="checkbox"><input type="checkbox" id="trust_device" name="trust_device" value="1">
            <label for="trust_device">Trust this device for ${model.trustHours} hours</label></p>`
        : ''
    }
    <button type="button" data-webauthn-start aria-describedby="webauthn-hint">Use your security key or passkey</button>
  </form>
  ${SCRIPT}`;
}

export interface WebauthnSecurityCardModel {
  csrf: string;
}

/** On /user/security: register a key, named by the user (the keys are listed, renamed and removed with the other factors). */
export function renderWebauthnSecurityCard(model: WebauthnSecurityCardModel): SafeHtml {
  return html`<section class="card" aria-labelledby="webauthn-heading">
    <h3 id="webauthn-heading">Security keys and passkeys</h3>
    <form method="post" action="/user/security/webauthn/confirm" id="webauthn-register" data-options-url="/user/security/webauthn/options">
      <input type="hidden" name="_csrf" value="${model.csrf}">
      <input type="hidden" name="setupId" value="">
      <input type="hidden" name="response" value="">
      <label for="webauthn-label">Name for this key</label>
      <input id="webauthn-label" name="label" type="text" maxlength="100" placeholder="e.g. Blue YubiKey, or This laptop">
      <p class="error" role="alert" data-webauthn-status hidden></p>
      <button type="button" data-webauthn-start>Add a security key or passkey</button>
    </form>
  </section>
  ${SCRIPT}`;
}
