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

/** The phone that opened the link, as the owner can tell it apart: the name it chose, and what the site saw of it. */
function describePhone(phone: PushSetup['phone']): string {
  if (!phone) return 'A phone';
  return `“${phone.name}” (${phone.browser}${phone.network ? `, from the network ${phone.network}` : ''})`;
}

/**
 * The pairing step: the QR code while it waits for a phone (the link only when the pairing
 * begins: the secret is kept hashed); once a phone opened the link, the code that phone
 * shows, typed here by the owner. The page never confirms by itself: whoever opened the link
 * first, only the person who can read that phone's screen can pair it.
 */
function presentPairing(setup: PushSetup): SetupStep {
  const carry = { setupId: String(setup.setupId) };
  if (setup.paired) {
    return {
      title: 'Pair your phone',
      blocks: [
        { kind: 'text', text: `A phone opened the pairing link: ${describePhone(setup.phone)}. It now shows a 6-digit code.` },
        {
          kind: 'text',
          text: 'Type that code here to pair it. If your own phone shows no code, or says the link was used already, someone else opened it: type nothing, and choose “Show a new code”.',
        },
      ],
      confirm: { kind: 'code', label: 'Code shown on the phone', hint: 'The 6 digits on the phone’s “Approve on my phone” page.', inputMode: 'numeric', button: 'Pair this phone' },
      carry,
      restart: { button: 'Show a new code' },
      expiresAt: setup.expiresAt,
    };
  }
  const scan: DisplayBlock[] = setup.pairingUrl
    ? [
        { kind: 'text', text: `Scan this code with your phone’s camera and open the link. The code works once, within ${minutes(PAIRING_TTL_MS)}.` },
        { kind: 'qr', value: setup.pairingUrl, alt: 'QR code of the link that pairs your phone' },
        // For whoever cannot scan (a screen reader, a phone without a camera app): the same link, as easy to keep to oneself.
        { kind: 'text', text: `No camera? Open this link on the phone instead: ${setup.pairingUrl}` },
        { kind: 'text', text: `On the phone, give it a name (“${setup.label}”) and choose “Pair this phone”. The phone then shows a code; this page moves on by itself to ask for it.` },
      ]
    : [{ kind: 'text', text: 'Waiting for your phone to open the code shown earlier. Lost it? Show a new code.' }];
  return {
    title: 'Pair your phone',
    blocks: scan,
    confirm: { kind: 'wait', hint: 'Waiting for your phone to open the link…' },
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
