// The login page after "Approve on my phone": it waits for the phone's answer (Server-Sent
// Events from /push/wait/events, polling /push/wait where they do not work) and, once
// approved, submits the page's push form, so the login moves on by itself. The request that
// submits is the one that passes the login: the phone only approved.
(() => {
  function pushForm() {
    const marked = document.querySelector('form[data-approval-form="push"]');
    if (marked) return marked;
    const field = document.querySelector('form input[name="factor"][value="push"]');
    return field ? field.form : null;
  }

  function start() {
    const form = pushForm();
    if (!form) return;
    const status = document.createElement('p');
    status.setAttribute('role', 'status');
    status.dataset.testid = 'push-waiting';
    form.before(status);
    let finished = false;
    const show = (state) => {
      if (finished) return;
      if (state.state === 'none') return; // nothing asked yet: the button is still to be pressed
      status.textContent = state.message;
      status.className = state.state === 'waiting' || state.state === 'approved' ? 'hint' : 'error';
      if (state.state === 'approved') {
        finished = true;
        if (form.requestSubmit) form.requestSubmit();
        else form.submit();
      }
      if (state.state !== 'waiting') finished = true;
    };
    const poll = async () => {
      try {
        const response = await fetch('/push/wait', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
        if (response.ok) show(await response.json());
      } catch {
        // offline for a moment: ask again
      }
      if (!finished) setTimeout(poll, 2000);
    };
    fetch('/push/wait', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then((response) => (response.ok ? response.json() : null))
      .then((first) => {
        if (!first || first.state === 'none') return;
        show(first);
        if (finished) return;
        if (!('EventSource' in window)) return poll();
        const stream = new EventSource('/push/wait/events');
        stream.addEventListener('approval', (event) => {
          show(JSON.parse(event.data));
          if (finished) stream.close();
        });
        stream.addEventListener('error', () => {
          stream.close();
          if (!finished) poll();
        });
      })
      .catch(() => poll());
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
