import type { FactorCopy, FactorPresentation } from '../../spi/factorPresentation.ts';

/** The words for trusted browsers. */
export const trustedDeviceCopy: FactorCopy = {
  displayName: 'Trusted browser',
  addedMessage: 'This browser is trusted.',
  removedMessage: 'That browser is no longer trusted.',
  removeButton: 'Stop trusting',
  inSentence: 'trusted browser',
  activity: { trusted_device_added: 'A browser was trusted to skip the second step', trusted_device_revoked: 'A browser is no longer trusted' },
};

/** Trusted browsers are not set up from a card: a login earns them ("Trust this device"); they are listed on their own. */
export const trustedDevicePresentation: FactorPresentation = {
  deviceSection: {
    heading: 'Trusted browsers',
    empty: 'No browser is trusted. Tick “Trust this device” when you verify to skip the code on a browser you own.',
  },
};
