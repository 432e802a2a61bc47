// The phone's page (/push/device): pairs this browser with an account, then shows the logins
// that wait for its approval and answers them. Its key is an ECDSA P-256 key made by WebCrypto
// as NON-extractable and kept in IndexedDB: the page can sign with it, but no script (this one
// included) can read it out. Every request the phone makes is signed with it; the server
// checks each signature against the public key it was given at pairing.
(() => {
  const BASE = '/push/device';
  const DB_NAME = 'mfa-bridge-push';
  const STORE = 'device';
  const POLL_MS = 3000;

  // --- the key and this phone's name for the site, in IndexedDB ---------------------------
  function withStore(mode, act) {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open(DB_NAME, 1);
      open.onupgradeneeded = () => open.result.createObjectStore(STORE);
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const request = act(open.result.transaction(STORE, mode).objectStore(STORE));
        request.onsuccess = () => resolve(request.result ?? null);
        request.onerror = () => reject(request.error);
      };
    });
  }
  const loadDevice = () => withStore('readonly', (store) => store.get('self'));
  const saveDevice = (device) => withStore('readwrite', (store) => store.put(device, 'self'));
  const forgetDevice = () => withStore('readwrite', (store) => store.delete('self'));

  // --- signing: the same canonical form as the server (a JSON array of strings) -------------
  const base64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  async function sign(privateKey, purpose, fields) {
    const message = JSON.stringify([`mfa-bridge push ${purpose} v1`, ...fields]);
    const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, new TextEncoder().encode(message));
    return base64url(signature); // r||s, 64 bytes (IEEE P1363)
  }

  async function postJson(path, body) {
    const response = await fetch(path, { method: 'POST', credentials: 'omit', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body) });
    return { ok: response.ok, json: await response.json().catch(() => ({})) };
  }

  /** A signed read: a fresh server nonce, signed with the key. The device name alone reads nothing. */
  async function signedQuery(device) {
    const { nonce } = await (await fetch(`${BASE}/nonce`, { credentials: 'omit' })).json();
    const signature = await sign(device.privateKey, 'read', [device.handle, nonce]);
    return new URLSearchParams({ device: device.handle, nonce, signature }).toString();
  }

  // --- the page -----------------------------------------------------------------------------
  const root = document.createElement('section');
  root.id = 'push-device';
  const status = document.createElement('p');
  status.setAttribute('role', 'status');
  status.dataset.testid = 'push-status';
  const list = document.createElement('div');
  list.dataset.testid = 'push-requests';
  root.append(status, list);
  (document.querySelector('main') ?? document.body).append(root);
  const say = (text) => {
    status.textContent = text;
  };

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function showPairingForm(pair) {
    const form = element('form', '', 'card');
    const label = element('label', 'Name of this phone');
    label.htmlFor = 'push-phone-name';
    const name = element('input');
    name.id = 'push-phone-name';
    name.type = 'text';
    name.maxLength = 100;
    name.required = true;
    name.value = /iPhone/.test(navigator.userAgent) ? 'My iPhone' : /Android/.test(navigator.userAgent) ? 'My Android phone' : 'My phone';
    name.dataset.testid = 'push-pair-name';
    const button = element('button', 'Pair this phone');
    button.type = 'submit';
    button.dataset.testid = 'push-pair-button';
    form.append(label, name, button);
    list.replaceChildren(form);
    say('Pair this phone with your account: give it a name you will recognise in your list of devices.');
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      button.disabled = true;
      try {
        const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
        const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', keys.publicKey);
        const signature = await sign(keys.privateKey, 'pair', [pair, name.value.trim()]);
        const answer = await postJson(`${BASE}/pair`, { pair, name: name.value.trim(), key: { kty, crv, x, y }, signature });
        if (!answer.ok) {
          say(answer.json.message ?? 'Pairing did not work. Scan the code on your computer again.');
          button.disabled = false;
          return;
        }
        // The code is kept with the key until the site counts the phone as paired: a reload still shows it.
        const device = { handle: answer.json.device, name: answer.json.name, privateKey: keys.privateKey, pairingCode: answer.json.code };
        await saveDevice(device);
        showPairingCode(device);
        say(answer.json.message);
        listen(device);
      } catch (error) {
        say(`This browser could not make a key: ${error && error.message ? error.message : error}. Use the phone's own browser, up to date.`);
        button.disabled = false;
      }
    });
  }

  /** The code to type on the computer that began the pairing: the phone is paired only once it is typed there. */
  function showPairingCode(device) {
    if (!device.pairingCode) return list.replaceChildren();
    const card = element('div', '', 'card');
    card.append(element('p', 'On your computer, type this code:'));
    const code = element('p', `${device.pairingCode.slice(0, 3)} ${device.pairingCode.slice(3)}`);
    code.style.cssText = 'font-size: 2.2rem; font-weight: 700; letter-spacing: .12em; font-variant-numeric: tabular-nums; margin: .3rem 0;';
    code.dataset.testid = 'push-pair-code';
    code.setAttribute('aria-label', `Pairing code ${device.pairingCode.split('').join(' ')}`);
    card.append(code, element('p', 'Never read it to anyone, nor type it on a computer you did not start pairing from yourself.', 'hint'));
    list.replaceChildren(card);
  }

  // --- requests waiting for an answer -----------------------------------------------------
  const answered = new Set();

  function showPushes(device, pushes) {
    list.replaceChildren(...pushes.filter((push) => !answered.has(push.pushId)).map((push) => requestCard(device, push)));
    if (list.children.length === 0) say('No login is waiting for your approval. Requests appear here when you log in and choose “Approve on my phone”.');
    else say('Is this you logging in? Pick the number the login page shows. If it is not you, choose Deny.');
    if (pushes.length > 0) notify(pushes[0]);
  }

  function requestCard(device, push) {
    const card = element('div', '', 'card');
    card.dataset.testid = 'push-request';
    card.append(element('h2', `Log in to ${push.site}?`));
    const where = push.from.ip ? `From ${push.from.ip}${push.from.network ? ` (network ${push.from.network})` : ''}` : 'From an unknown address';
    card.append(element('p', where), element('p', `Browser: ${push.from.browser}`), element('p', `Asked at ${new Date(push.createdAt).toLocaleTimeString()}; open until ${new Date(push.expiresAt).toLocaleTimeString()}.`, 'hint'));
    const numbers = element('div');
    numbers.setAttribute('role', 'group');
    numbers.setAttribute('aria-label', 'Pick the number shown on the login page');
    const outcome = element('p');
    outcome.dataset.testid = 'push-outcome';
    const answer = async (decision, number) => {
      card.querySelectorAll('button').forEach((button) => {
        button.disabled = true;
      });
      const fields = { device: device.handle, attemptId: push.attemptId, pushId: push.pushId, decision, number };
      const signature = await sign(device.privateKey, 'answer', [fields.device, fields.attemptId, fields.pushId, fields.decision, fields.number]);
      const reply = await postJson(`${BASE}/answer`, { ...fields, signature });
      answered.add(push.pushId);
      outcome.textContent = reply.json.message ?? 'The site did not answer. Try again on the computer.';
      outcome.className = reply.ok ? 'flash' : 'error';
      numbers.remove();
      deny.remove();
    };
    for (const number of push.choices) {
      const button = element('button', number);
      button.type = 'button';
      button.dataset.testid = 'push-number';
      button.setAttribute('aria-label', `Pick ${number}`);
      button.addEventListener('click', () => answer('approve', number));
      numbers.append(button, document.createTextNode(' '));
    }
    const deny = element('button', 'Deny: this was not me', 'secondary');
    deny.type = 'button';
    deny.dataset.testid = 'push-deny';
    deny.addEventListener('click', () => answer('deny', ''));
    card.append(numbers, deny, outcome);
    return card;
  }

  // --- receiving: Server-Sent Events, polling when they do not work ------------------------
  let stream = null;
  let pollTimer = null;

  async function readOnce(device) {
    const response = await fetch(`${BASE}/pending?${await signedQuery(device)}`, { credentials: 'omit' });
    const json = await response.json().catch(() => ({}));
    if (response.ok) return { pushes: json.pushes };
    return { error: json.error, message: json.message };
  }

  async function listen(device) {
    let first;
    try {
      first = await readOnce(device);
    } catch {
      say('The site cannot be reached. Trying again…');
      return setTimeout(() => listen(device), POLL_MS);
    }
    if (first.error === 'not_paired') {
      await forgetDevice();
      list.replaceChildren();
      return say(first.message);
    }
    if (first.error) {
      if (first.error === 'not_confirmed') showPairingCode(device);
      say(first.message ?? 'Waiting…');
      return setTimeout(() => listen(device), POLL_MS);
    }
    if (device.pairingCode) {
      // Paired: the code has done its work.
      delete device.pairingCode;
      await saveDevice(device);
    }
    showPushes(device, first.pushes);
    if (!('EventSource' in window)) return poll(device);
    stream = new EventSource(`${BASE}/events?${await signedQuery(device)}`);
    stream.addEventListener('pushes', (event) => showPushes(device, JSON.parse(event.data).pushes));
    stream.addEventListener('unpaired', async (event) => {
      stream.close();
      await forgetDevice();
      list.replaceChildren();
      say(JSON.parse(event.data).message);
    });
    // The stream ends now and then (server lifetime, network): start over with a fresh signature.
    stream.addEventListener('error', () => {
      stream.close();
      stream = null;
      setTimeout(() => listen(device), POLL_MS);
    });
  }

  async function poll(device) {
    clearTimeout(pollTimer);
    try {
      const read = await readOnce(device);
      if (read.error === 'not_paired') {
        await forgetDevice();
        return say(read.message);
      }
      if (read.pushes) showPushes(device, read.pushes);
    } catch {
      say('The site cannot be reached. Trying again…');
    }
    pollTimer = setTimeout(() => poll(device), POLL_MS);
  }

  // --- a notification when the page is in the background (installed as an app) -------------
  let registration = null;
  let lastNotified = null;
  function notify(push) {
    if (!registration || !document.hidden || lastNotified === push.pushId || !('Notification' in window) || Notification.permission !== 'granted') return;
    lastNotified = push.pushId;
    registration.showNotification(`Log in to ${push.site}?`, { body: `From ${push.from.ip ?? 'an unknown address'}, ${push.from.browser}. Open to answer.`, tag: push.pushId });
  }
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/mfa/assets/push/deviceServiceWorker.js').then((ready) => {
      registration = ready;
    }, () => {});
  }

  async function start() {
    const pair = new URLSearchParams(location.search).get('pair');
    if (pair) {
      // The one-time pairing secret leaves the address bar (and history) at once.
      history.replaceState(null, '', BASE);
      return showPairingForm(pair);
    }
    const device = await loadDevice().catch(() => null);
    if (!device) return say('This phone is not paired. On your computer, open your security page, choose “Pair a phone” and scan the code with this phone’s camera.');
    say(`Paired as “${device.name}”. Waiting for logins…`);
    listen(device);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
