// A set-up step finished on another device (a phone pairing itself): asks the site how
// the set-up stands every two seconds; once it is ready, posts the step's form to confirm
// it; once it is gone (expired, cancelled), back to the security page.
(() => {
  const form = document.getElementById('setup-wait');
  if (!form) return;
  const timer = setInterval(async () => {
    try {
      const answer = await fetch(form.dataset.statusUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (!answer.ok) return;
      const { state } = await answer.json();
      if (state === 'ready') {
        clearInterval(timer);
        form.submit();
      } else if (state === 'gone') {
        clearInterval(timer);
        window.location.assign('/user/security');
      }
    } catch {
      // The network blinked: ask again on the next tick.
    }
  }, 2000);
})();
