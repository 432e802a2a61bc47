import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FactorCopy, FactorPresentation } from '../../spi/factorPresentation.ts';

/** The words for security keys and passkeys. */
export const webauthnCopy: FactorCopy = {
  displayName: 'Security key or passkey',
  addedMessage: 'Your security key is registered. You can use it when you log in.',
  removedMessage: 'The device was removed from your account.',
  activity: { webauthn_counter_regressed: 'A security key answered in a way that suggests it was copied' },
};

/**
 * @simplewebauthn/browser's single-file build, served from this site (never a CDN). The
 * package's `require` entry is script/index.js; the bundle sits beside it in dist/bundle.
 */
function simpleWebauthnBundle(): string {
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  return join(dirname(entry), '..', 'dist', 'bundle', 'index.umd.min.js');
}

/**
 * A ceremony only a browser can run: the page script (webauthnBrowser.js) asks the door for
 * options (engine.challenge at /mfa, beginSetup at the security page), lets the browser
 * talk to the key, and posts the key's answer as an ordinary form.
 */
export const webauthnPresentation: FactorPresentation = {
  prompt: {
    kind: 'browser',
    button: 'Use your security key or passkey',
    hint: 'Your browser will ask for your security key or passkey: touch the key, or confirm with your fingerprint, face or PIN.',
    script: 'webauthn.js',
  },
  card: {
    title: 'Security keys and passkeys',
    text: '',
    button: 'Add a security key or passkey',
    askLabel: { label: 'Name for this key', placeholder: 'e.g. Blue YubiKey, or This laptop' },
    script: 'webauthn.js',
  },
  assets: {
    'webauthn.js': join(import.meta.dirname, 'webauthnBrowser.js'),
    'simplewebauthn-browser.js': simpleWebauthnBundle(),
  },
};
