import type { TotpParameters } from './totpCode.ts';

/** What beginning a set-up answers: the key to show (as text and as a QR code's otpauth URI) and until when it works. */
export interface TotpSetup {
  setupId: number;
  /** Base32, for typing into the app by hand. */
  secret: string;
  otpauthUri: string;
  expiresAt: number;
  parameters: TotpParameters;
}
