import { MfaError } from '../../errors.ts';
import { maskEmailAddress } from './emailCode.ts';

/** The mail transport's error code (ECONNREFUSED, EENVELOPE...) for the record: never its message, which may name the address. */
function deliveryErrorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? code : 'unknown';
}

/**
 * Mails a code whose send is already counted. When the mail server refuses it or is
 * down, nothing left: `undo` puts the count back (the resend wait, the per-login and
 * hourly caps) so the user can simply try again, and the error says so in words a
 * person can act on (each door shows it: a page notice, 503 JSON, token.php's errorcode).
 */
export async function deliverCode(options: { to: string; send: () => Promise<void>; undo: () => Promise<void> }): Promise<void> {
  try {
    await options.send();
  } catch (error) {
    await options.undo();
    throw new MfaError(
      'DELIVERY_FAILED',
      `We could not send the code to ${maskEmailAddress(options.to)}: the site's mail server did not take it. Try again in a few minutes, or choose another way to verify.`,
      { reason: deliveryErrorCode(error), retryAfterSeconds: 60 },
    );
  }
}
