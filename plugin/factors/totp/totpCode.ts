import { generate, verify } from 'otplib';

export type TotpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

/** The parameters a device was set up with (RFC 6238 §4: X = period, the HMAC hash, the code length). */
export interface TotpParameters {
  algorithm: TotpAlgorithm;
  digits: 6 | 8;
  period: number;
}

export interface VerifyTotpCodeOptions extends TotpParameters {
  /** Base32 secret (as in the otpauth URI) or raw key bytes (as in the RFC's test vectors). */
  secret: string | Uint8Array;
  code: string;
  /** Unix time in milliseconds. */
  now: number;
  /** Steps before and after the current one that are accepted (RFC 6238 §5.2 network delay / drift). */
  window: number;
  /** The last accepted step: this step and any before it are refused (RFC 6238 §5.2, "MUST NOT accept the second attempt"). */
  afterTimeStep?: number;
}

export type VerifyTotpCodeResult = { valid: true; timeStep: number } | { valid: false; replayed: boolean };

function hash(algorithm: TotpAlgorithm): 'sha1' | 'sha256' | 'sha512' {
  return algorithm.toLowerCase() as 'sha1' | 'sha256' | 'sha512';
}

/** The code for time `now` (ms). */
export function generateTotpCode(options: TotpParameters & { secret: string | Uint8Array; now: number }): Promise<string> {
  return generate({
    secret: options.secret,
    algorithm: hash(options.algorithm),
    digits: options.digits,
    period: options.period,
    epoch: Math.floor(options.now / 1000),
  });
}

/**
 * Checks a code in constant time (otplib compares so). Malformed input is a plain
 * "no", not an exception: otplib throws on a wrong length or non-digits.
 */
export async function verifyTotpCode(options: VerifyTotpCodeOptions): Promise<VerifyTotpCodeResult> {
  const code = options.code.replace(/\s+/g, '');
  if (!new RegExp(`^\\d{${options.digits}}$`).test(code)) return { valid: false, replayed: false };
  const common = {
    secret: options.secret,
    token: code,
    algorithm: hash(options.algorithm),
    digits: options.digits,
    period: options.period,
    epoch: Math.floor(options.now / 1000),
    epochTolerance: options.window * options.period,
  };
  try {
    const result = await verify({ ...common, afterTimeStep: options.afterTimeStep });
    if (result.valid && 'timeStep' in result) return { valid: true, timeStep: result.timeStep };
    if (options.afterTimeStep === undefined) return { valid: false, replayed: false };
    // Tell "already used" apart from "wrong", so the user is told to wait for the next code.
    const again = await verify(common);
    return { valid: false, replayed: again.valid };
  } catch {
    return { valid: false, replayed: false };
  }
}
