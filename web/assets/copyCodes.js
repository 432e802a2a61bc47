// Copies the recovery codes shown on the page to the clipboard; nothing is sent anywhere.
document.getElementById('copy-codes')?.addEventListener('click', async (event) => {
  const button = event.currentTarget;
  try {
    await navigator.clipboard.writeText(button.dataset.codes ?? '');
    button.textContent = 'Copied';
  } catch {
    button.textContent = 'Copy failed: select the codes and copy them';
  }
});
