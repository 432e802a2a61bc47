import type { FactorCopy } from '../../spi/factorPresentation.ts';

/** The words for trusted networks: nothing to set up, nothing to remove. */
export const ipRangeCopy: FactorCopy = {
  displayName: 'Trusted network',
  addedMessage: 'This network is trusted.',
  removedMessage: 'This network is no longer trusted.',
};
