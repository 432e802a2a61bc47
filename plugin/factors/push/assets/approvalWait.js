// The login page while "Approve on my phone" waits, beside the door's own waiting script
// (which moves the page on once approved or denied): this one tells the user what only the
// push factor knows. A wrong number or an expired request leaves the login standing, so the
// page says so and offers a new request (the user's own click: no request is ever sent again
// by itself, ASVS 5.0 6.6.4). It never submits an answer: the phone answers.
(() => {
  function start() {
    const form = document.getElementById('approval-wait') ?? document.querySelector('form input[name="factor"][value="push"]')?.form;
    if (!form) return;
    const note = document.createElement('div');
    note.setAttribute('role', 'status');
    note.dataset.testid = 'push-waiting';
    form.after(note);
    let shown = null;

    function offerNewRequest(message) {
      const again = document.createElement('form');
      again.method = 'post';
      again.action = '/mfa/challenge';
      for (const [name, value] of [['_csrf', form.elements._csrf?.value ?? ''], ['factor', 'push']]) {
        const field = document.createElement('input');
        field.type = 'hidden';
        field.name = name;
        field.value = value;
        again.append(field);
      }
      const text = document.createElement('p');
      text.className = 'error';
      text.textContent = message;
      const button = document.createElement('button');
      button.type = 'submit';
      button.textContent = 'Send a new request to my phone';
      button.dataset.testid = 'push-send-again';
      again.append(text, button);
      note.replaceChildren(again);
    }

    function show(state) {
      if (!state || state.state === shown) return;
      shown = state.state;
      if (state.state === 'wrong' || state.state === 'expired') offerNewRequest(state.message);
    }

    let timer = null;
    async function poll() {
      try {
        const response = await fetch('/push/wait', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
        if (response.ok) show(await response.json());
      } catch {
        // The network blinked: ask again.
      }
      if (shown === 'waiting' || shown === null) timer = setTimeout(poll, 2000);
    }
    if (window.EventSource) {
      const events = new EventSource('/push/wait/events');
      events.addEventListener('approval', (event) => show(JSON.parse(event.data)));
      // The stream ends when the request stops waiting, or a proxy drops it: poll from there.
      events.onerror = () => {
        events.close();
        clearTimeout(timer);
        poll();
      };
    } else {
      poll();
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
