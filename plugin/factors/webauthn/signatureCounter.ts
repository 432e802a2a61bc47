export type SignatureCounterVerdict = 'advanced' | 'not_counted' | 'regressed';

/**
 * WebAuthn Level 2 §7.2 step 21 (§6.1.1): when either the stored or the received
 * signature counter is non-zero, the received one must be greater than the stored one;
 * otherwise the authenticator may have been cloned. Authenticators that do not count
 * always send 0, and 0 after 0 is fine.
 *
 * @example
 * checkSignatureCounter(5, 6); // 'advanced'
 * checkSignatureCounter(5, 5); // 'regressed'
 * checkSignatureCounter(0, 0); // 'not_counted'
 */
export function checkSignatureCounter(stored: number, received: number): SignatureCounterVerdict {
  if (stored === 0 && received === 0) return 'not_counted';
  return received > stored ? 'advanced' : 'regressed';
}
