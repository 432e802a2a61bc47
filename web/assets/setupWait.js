// A set-up step that waits for something elsewhere (a phone opening a pairing link): asks the
// site how the set-up stands every two seconds; once it moved on, opens the step as it stands
// now (the code the phone shows, to type here); once it is gone (expired, cancelled), back to
// the security page. It never confirms anything: only the person at this page does.
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
        window.location.assign(form.dataset.stepUrl);
      } else if (state === 'gone') {
        clearInterval(timer);
        window.location.assign('/user/security');
      }
    } catch {
      // The network blinked: ask again on the next tick.
    }
  }, 2000);
})();
