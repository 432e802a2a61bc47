// Security keys and passkeys: ask the server for options (JSON, with the CSRF token in
// X-CSRF-Token), let the browser talk to the key, then submit the form with the key's
// answer as JSON text in its hidden "response" field. The server checks everything.
// @simplewebauthn/browser comes from this site too (the factor's own asset), never a CDN.
(() => {
  const here = document.currentScript.src;

  function loadLibrary() {
    if (window.SimpleWebAuthnBrowser) return Promise.resolve(window.SimpleWebAuthnBrowser);
    return new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = new URL('simplewebauthn-browser.js', here).href;
      script.onload = () => resolve(window.SimpleWebAuthnBrowser);
      script.onerror = () => reject(new Error('The security key helper could not be loaded. Reload the page and try again.'));
      document.head.append(script);
    });
  }

  function say(form, message) {
    const status = form.querySelector('[data-status]');
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

  async function logIn(form, library) {
    const { options } = await fetchOptions(form, { factor: form.elements.factor.value });
    const response = await library.startAuthentication({ optionsJSON: options });
    form.elements.response.value = JSON.stringify(response);
    form.submit();
  }

  async function register(form, library) {
    const { setupId, options } = await fetchOptions(form, { label: form.elements.label.value });
    const response = await library.startRegistration({ optionsJSON: options });
    form.elements.setupId.value = String(setupId);
    form.elements.response.value = JSON.stringify(response);
    form.submit();
  }

  // The door renders the prompt (data-browser-prompt) and the set-up card (data-browser-setup) of this factor.
  const forms = [
    ...[...document.querySelectorAll('form[data-browser-prompt="webauthn"]')].map((form) => [form, logIn]),
    ...[...document.querySelectorAll('form[data-browser-setup="webauthn"]')].map((form) => [form, register]),
  ];
  for (const [form, run] of forms) {
    const button = form.querySelector('[data-start]');
    button.addEventListener('click', async () => {
      button.disabled = true;
      say(form, '');
      try {
        const library = await loadLibrary();
        if (!library.browserSupportsWebAuthn()) throw new Error('This browser cannot use security keys or passkeys. Use another browser, or another way to verify.');
        await run(form, library);
      } catch (error) {
        say(form, explain(error));
        button.disabled = false;
      }
    });
  }
})();
