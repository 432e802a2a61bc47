// The phone page's service worker: it makes the page installable as an app and shows the
// "Log in to ...?" notification the page asks for while it is in the background. A tap opens
// (or focuses) the page, where the user answers; the worker itself never answers anything.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => new URL(client.url).pathname === '/push/device');
      return open ? open.focus() : self.clients.openWindow('/push/device');
    }),
  );
});
