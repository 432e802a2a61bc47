// Follows the "Open the app" link as soon as the page loads (the link carries the app's
// token in its own URL scheme). A file, not an inline script: the site's CSP runs none.
document.getElementById('launchapp')?.click();
