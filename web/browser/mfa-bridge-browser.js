// mfa-bridge's browser helper: security keys and passkeys (WebAuthn) on your own pages.
// A plain ES module, no build step. Serve it (mfaBrowserScript() from mfa-bridge/express)
// and include it once:  <script type="module" src="/mfa-bridge-browser.js"></script>
//
// It wires every form marked data-mfa-key="sign-in" or data-mfa-key="set-up". A click on
// the form's [data-start] button posts the form's fields (its _csrf too) to the form's
// data-options-url asking for JSON, hands the options to the browser, which talks to the
// key, then puts the key's answer (JSON text) in the form's "response" field (and, for a
// set-up, the set-up's id in "setupId") and submits the form. The server checks all of it:
// this file only carries bytes between the server and navigator.credentials.
// Why something failed goes in the form's [data-status] element.

/** base64url (WebAuthn's JSON encoding, RFC 4648 §5) to bytes. */
function bytesOf(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Bytes (an ArrayBuffer) to base64url, without padding. */
function textOf(buffer) {
  let binary = '';
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const withBytes = (descriptors) => (descriptors ?? []).map((d) => ({ ...d, id: bytesOf(d.id) }));

/** The server's PublicKeyCredentialCreationOptionsJSON as navigator.credentials.create() takes it. */
function creationOptions(json) {
  return { ...json, challenge: bytesOf(json.challenge), user: { ...json.user, id: bytesOf(json.user.id) }, excludeCredentials: withBytes(json.excludeCredentials) };
}

/** The server's PublicKeyCredentialRequestOptionsJSON as navigator.credentials.get() takes it. */
function requestOptions(json) {
  return { ...json, challenge: bytesOf(json.challenge), allowCredentials: withBytes(json.allowCredentials) };
}

/** The parts of a PublicKeyCredential every ceremony answers with (WebAuthn L3 §5.1, toJSON()). */
function credentialJson(credential, response) {
  return {
    id: credential.id,
    rawId: textOf(credential.rawId),
    type: credential.type,
    response,
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
    clientExtensionResults: credential.getClientExtensionResults(),
  };
}

function registrationJson(credential) {
  const { response } = credential;
  return credentialJson(credential, {
    clientDataJSON: textOf(response.clientDataJSON),
    attestationObject: textOf(response.attestationObject),
    transports: typeof response.getTransports === 'function' ? response.getTransports() : [],
  });
}

function assertionJson(credential) {
  const { response } = credential;
  return credentialJson(credential, {
    clientDataJSON: textOf(response.clientDataJSON),
    authenticatorData: textOf(response.authenticatorData),
    signature: textOf(response.signature),
    userHandle: response.userHandle ? textOf(response.userHandle) : undefined,
  });
}

/** A refusal the server explained; `verifyUrl`: verify it's you first (requireRecentMfa with verifyPath). */
class ServerRefusal extends Error {
  constructor(message, verifyUrl) {
    super(message);
    this.verifyUrl = verifyUrl;
  }
}

/** Posts the form's own fields (not the answer fields this file fills) to its data-options-url; the JSON answer. */
async function fetchOptions(form) {
  const fields = new URLSearchParams();
  for (const [name, value] of new FormData(form)) if (name !== 'response' && name !== 'setupId' && typeof value === 'string') fields.append(name, value);
  const answer = await fetch(form.dataset.optionsUrl, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: fields,
  });
  const json = await answer.json().catch(() => ({}));
  if (!answer.ok) throw new ServerRefusal(json.error ?? 'The site could not prepare the security key request. Reload the page and try again.', json.verifyUrl);
  return json;
}

function fill(form, name, value) {
  const field = form.elements.namedItem(name);
  if (!field) throw new Error(`The form has no "${name}" field for the security key's answer.`);
  field.value = value;
}

/** Signs in with a security key: the options from the server, the key's assertion into "response", the form submitted. */
export async function signInWithKey(form) {
  const { options } = await fetchOptions(form);
  const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
  fill(form, 'response', JSON.stringify(assertionJson(credential)));
  form.submit();
}

/** Sets a security key up: the set-up's options from the server, the new credential into "response" and its "setupId", the form submitted. */
export async function setUpKey(form) {
  const { setupId, options } = await fetchOptions(form);
  const credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
  fill(form, 'setupId', String(setupId));
  fill(form, 'response', JSON.stringify(registrationJson(credential)));
  form.submit();
}

function explain(error) {
  // NotAllowedError: the user cancelled, or the time ran out (WebAuthn §5.1.3, §5.1.4.1).
  if (error?.name === 'NotAllowedError') return 'The security key request was cancelled or timed out. Try again.';
  if (error?.name === 'InvalidStateError') return 'This security key is already registered to your account.';
  return error?.message || 'Something went wrong with the security key. Try again.';
}

function say(form, message) {
  const status = form.querySelector('[data-status]');
  if (!status) return void (message && window.alert(message));
  status.textContent = message;
  status.hidden = !message;
}

const CEREMONIES = { 'sign-in': signInWithKey, 'set-up': setUpKey };

/** Wires the forms marked data-mfa-key under `root` (this module does it for the page when it loads). */
export function wireKeyForms(root = document) {
  for (const form of root.querySelectorAll('form[data-mfa-key]')) {
    const ceremony = CEREMONIES[form.dataset.mfaKey];
    const button = form.querySelector('[data-start]');
    if (!ceremony || !button || form.dataset.mfaWired) continue;
    form.dataset.mfaWired = 'yes';
    button.addEventListener('click', async (event) => {
      event.preventDefault();
      button.disabled = true;
      say(form, '');
      try {
        if (!window.PublicKeyCredential) throw new Error('This browser cannot use security keys or passkeys. Use another browser, or another way to verify.');
        await ceremony(form);
      } catch (error) {
        if (error instanceof ServerRefusal && error.verifyUrl) return void window.location.assign(error.verifyUrl);
        say(form, explain(error));
        button.disabled = false;
      }
    });
  }
}

wireKeyForms();
