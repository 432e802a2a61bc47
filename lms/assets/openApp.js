// Follows the "Open the app" link once the page has loaded (so the page is on screen if the
// app does not open); the link carries the app's token in the app's own URL scheme. A file,
// not an inline script: the site's CSP runs none.
window.addEventListener('load', () => document.getElementById('launchapp')?.click());
