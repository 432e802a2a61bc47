// "Pair your phone" on the security page: the phone pairs itself from the QR code, so this
// page waits for it (GET /push/pairing) and then submits its own confirm form, which makes
// the phone count at login. The server decides; this only saves the user a click.
(() => {
  function start() {
    const field = document.querySelector('form input[name="setupId"]');
    if (!field) return;
    const form = field.form;
    const status = document.createElement('p');
    status.setAttribute('role', 'status');
    status.dataset.testid = 'push-pairing-status';
    form.before(status);
    const check = async () => {
      try {
        const response = await fetch(`/push/pairing?setupId=${encodeURIComponent(field.value)}`, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
        const state = await response.json();
        if (state.paired) {
          status.textContent = `“${state.label}” is paired. Finishing…`;
          return form.requestSubmit ? form.requestSubmit() : form.submit();
        }
        if (state.expired) {
          status.textContent = 'The code expired before a phone used it. Choose “Pair a phone” again.';
          return;
        }
      } catch {
        status.textContent = 'The site cannot be reached. Trying again…';
      }
      setTimeout(check, 2000);
    };
    check();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
