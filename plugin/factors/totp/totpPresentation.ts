import type { FactorCopy, FactorPresentation } from '../../spi/factorPresentation.ts';
import type { TotpSetup } from './totpSetup.ts';

/** The words for authenticator apps. */
export const totpCopy: FactorCopy = {
  displayName: 'Authenticator app',
  addedMessage: 'Your authenticator app is set up. You will be asked for its code when you log in.',
  removedMessage: 'The device was removed from your account.',
  activity: { totp_code_reused: 'A code from your authenticator app was used a second time (refused)' },
};

/** The base32 key in groups of four, as the apps show it. */
function grouped(secret: string): string {
  return secret.replace(/(.{4})/g, '$1 ').trim();
}

/** Scan (or type the key), then prove it with a code; the code box on /mfa. */
export const totpPresentation: FactorPresentation<TotpSetup> = {
  prompt: {
    kind: 'code',
    label: 'Code from your authenticator app',
    hint: 'Open the app on your phone and enter the 6-digit code it shows for this site.',
  },
  card: { title: 'Add an authenticator app', text: '', button: 'Set up authenticator app', askLabel: true },
  presentSetup: (setup) => ({
    title: 'Set up your authenticator app',
    blocks: [
      { kind: 'text', text: 'Open an authenticator app on your phone (for example Google Authenticator, Microsoft Authenticator, 2FAS or Aegis) and scan this code:' },
      // The QR code is drawn by the site itself: the secret never goes to a chart service.
      { kind: 'qr', value: setup.otpauthUri, alt: 'QR code for setting up your authenticator app' },
      { kind: 'secret', label: `Can’t scan it? Choose “enter a setup key” in the app and type this key (time-based, ${setup.parameters.digits} digits):`, value: grouped(setup.secret) },
    ],
    confirm: { kind: 'code', label: 'Enter the code the app now shows', hint: 'After that, the app’s codes let you log in.' },
    carry: { setupId: String(setup.setupId) },
    containsSecret: true,
    expiresAt: setup.expiresAt,
  }),
};
