// Waits for an approval given on another device (push): listens to /mfa/status/events
// (Server-Sent Events) and falls back to polling /mfa/status. Approved: posts the page's
// form to /mfa, which spends the approval and gives a new session. Refused or expired:
// back to the login page. Nothing secret passes through here.
(() => {
  const form = document.getElementById('approval-wait');
  if (!form) return;
  const status = form.querySelector('[data-status]');
  let done = false;

  function settle(answer) {
    if (done || !answer || answer.outcome === 'pending') return;
    done = true;
    if (answer.outcome === 'approved') {
      status.textContent = 'Approved. Signing you in…';
      form.submit();
    } else {
      status.textContent = answer.outcome === 'passed' ? 'Signed in.' : 'This login was stopped.';
      window.location.assign(answer.next);
    }
  }

  async function poll() {
    while (!done) {
      try {
        const answer = await fetch(form.dataset.statusUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
        if (answer.ok) settle(await answer.json());
      } catch {
        // The network blinked: ask again.
      }
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }

  if (window.EventSource) {
    const events = new EventSource(form.dataset.eventsUrl);
    events.addEventListener('status', (event) => settle(JSON.parse(event.data)));
    // A proxy that drops streams: poll instead.
    events.onerror = () => {
      events.close();
      poll();
    };
  } else {
    poll();
  }
})();
