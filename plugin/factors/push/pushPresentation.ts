import { join } from 'node:path';
import type { DisplayBlock, FactorCopy, FactorPresentation, SetupStep } from '../../spi/factorPresentation.ts';
import type { PushChallenge } from './openPush.ts';
import { PAIRING_TTL_MS, type PushSetup } from './pairing.ts';
import { pushRoutes } from './pushRoutes.ts';

export const pushCopy: FactorCopy = {
  displayName: 'Approve on my phone',
  addedMessage: 'Your phone is paired. At login, choose “Approve on my phone” and pick on the phone the number the login page shows.',
  removedMessage: 'That phone can no longer approve your logins.',
  removeButton: 'Unpair',
};

const ASSETS = join(import.meta.dirname, 'assets');

function minutes(ms: number): string {
  const whole = Math.max(1, Math.round(ms / 60_000));
  return `${whole} ${whole === 1 ? 'minute' : 'minutes'}`;
}

/**
 * The pairing step: the QR code while it waits for a phone (the link only when the pairing
 * begins: the secret is kept hashed), then, once a phone has paired, a confirmation the
 * page posts by itself (any confirm but 'wait' tells the door's page to post it).
 */
function presentPairing(setup: PushSetup): SetupStep {
  const carry = { setupId: String(setup.setupId) };
  if (setup.paired) {
    return {
      title: 'Pair your phone',
      blocks: [{ kind: 'text', text: `“${setup.label}” is paired. Finish to use it at your next login.` }],
      confirm: { kind: 'acknowledge', button: 'Finish pairing' },
      carry,
    };
  }
  const scan: DisplayBlock[] = setup.pairingUrl
    ? [
        { kind: 'text', text: `Scan this code with your phone’s camera and open the link. The code works once, within ${minutes(PAIRING_TTL_MS)}.` },
        { kind: 'qr', value: setup.pairingUrl, alt: 'QR code of the link that pairs your phone' },
        // For whoever cannot scan (a screen reader, a phone without a camera app): the same link, as easy to keep to oneself.
        { kind: 'text', text: `No camera? Open this link on the phone instead: ${setup.pairingUrl}` },
        { kind: 'text', text: `On the phone, give it a name (“${setup.label}”) and choose “Pair this phone”. This page moves on by itself when the phone is paired.` },
      ]
    : [{ kind: 'text', text: 'Waiting for your phone to open the code shown earlier. Lost it? Show a new code.' }];
  return {
    title: 'Pair your phone',
    blocks: scan,
    confirm: { kind: 'wait', hint: 'Waiting for your phone to pair…' },
    carry,
    // The QR code carries a one-time secret: the page must not be cached or kept in history.
    containsSecret: setup.pairingUrl !== null,
    restart: { button: 'Show a new code' },
    expiresAt: setup.expiresAt,
  };
}

/** The prompt on /mfa, the card and pairing step on /user/security, the number to match, the phone's page and files. */
export const pushPresentation: FactorPresentation<PushSetup, PushChallenge> = {
  prompt: {
    kind: 'approval',
    button: 'Approve on my phone',
    hint: 'We send a request to your paired phone. Pick there the number this page shows.',
    script: 'approvalWait.js',
  },
  card: {
    title: 'Approve on my phone',
    text: 'Pair your phone by scanning a code with its camera; no app to install. At login, you approve on the phone by picking the number the login page shows, so a request you did not start cannot be approved by a careless tap.',
    button: 'Pair a phone',
    askLabel: true,
  },
  presentSetup: (setup) => presentPairing(setup),
  presentChallenge: (challenge) => ({
    message: challenge.alreadyOpen
      ? 'A request is already waiting on your phone. Pick this number there:'
      : `We sent a request to ${challenge.devices.length === 1 ? `your phone “${challenge.devices[0]}”` : 'your phones'}. Pick this number there:`,
    blocks: [
      { kind: 'number', label: 'The number to pick on your phone', value: challenge.number },
      { kind: 'text', text: 'This page moves on by itself when you approve. If your phone shows nothing, open its “Approve on my phone” page.' },
    ],
  }),
  assets: {
    'device.js': join(ASSETS, 'device.js'),
    'deviceServiceWorker.js': join(ASSETS, 'deviceServiceWorker.js'),
    'device.webmanifest': join(ASSETS, 'device.webmanifest'),
    'icon.svg': join(ASSETS, 'icon.svg'),
    'approvalWait.js': join(ASSETS, 'approvalWait.js'),
  },
  routes: pushRoutes,
};
