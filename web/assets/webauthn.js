// Security keys and passkeys: ask the server for options (JSON, with the CSRF token in
// X-CSRF-Token), let the browser talk to the key, then submit the form with the key's
// answer as JSON text in its hidden "response" field. The server checks everything.
import { browserSupportsWebAuthn, startAuthentication, startRegistration } from '/mfa/vendor/simplewebauthn-browser/index.js';

function say(form, message) {
  const status = form.querySelector('[data-webauthn-status]');
  status.textContent = message;
  status.hidden = !message;
}

async function fetchOptions(form, body) {
  const answer = await fetch(form.dataset.optionsUrl, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': form.elements._csrf.value },
    body: JSON.stringify(body),
  });
  const json = await answer.json().catch(() => ({}));
  if (!answer.ok) throw new Error(json.error ?? 'The site could not prepare the request. Reload the page and try again.');
  return json;
}

function explain(error) {
  // NotAllowedError: the user cancelled, or the time ran out (WebAuthn §5.1.4.1 / §5.1.3).
  if (error && error.name === 'NotAllowedError') return 'The security key request was cancelled or timed out. Try again.';
  if (error && error.name === 'InvalidStateError') return 'This security key is already registered to your account.';
  return error && error.message ? error.message : 'Something went wrong with the security key. Try again.';
}

async function logIn(form) {
  const { options } = await fetchOptions(form, {});
  const response = await startAuthentication({ optionsJSON: options });
  form.elements.response.value = JSON.stringify(response);
  form.submit();
}

async function register(form) {
  const { setupId, options } = await fetchOptions(form, { label: form.elements.label.value });
  const response = await startRegistration({ optionsJSON: options });
  form.elements.setupId.value = String(setupId);
  form.elements.response.value = JSON.stringify(response);
  form.submit();
}

for (const [id, run] of [['webauthn-login', logIn], ['webauthn-register', register]]) {
  const form = document.getElementById(id);
  if (!form) continue;
  const button = form.querySelector('[data-webauthn-start]');
  if (!browserSupportsWebAuthn()) {
    button.disabled = true;
    say(form, 'This browser cannot use security keys or passkeys. Use another browser, or another way to verify.');
    continue;
  }
  button.addEventListener('click', async () => {
    button.disabled = true;
    say(form, '');
    try {
      await run(form);
    } catch (error) {
      say(form, explain(error));
      button.disabled = false;
    }
  });
}
