import { createHmac } from 'node:crypto';
import { keyedHash, type KeyedHash } from '../crypto/keyedHash.ts';
import type { KeyRing } from '../crypto/keyRing.ts';
import { randomToken } from '../crypto/tokens.ts';

/**
 * Device cookies for the password throttle (OWASP, "Slow Down Online Guessing Attacks with
 * Device Cookies"): a browser that signed in as a user carries a cookie, signed by the
 * site and naming that user, that lets it past the limits clients without one fill. Here
 * only the values: which name a user's cookie has, what it holds, whether one is ours.
 * Reading and setting cookies is the door's (adapters/express/passwordCheckHook.ts);
 * what a recognised cookie is allowed is the throttle's (passwordThrottle.ts).
 *
 * The value is `<device id>.<expiry, base 36 ms>.<key id>.<HMAC-SHA-256>`: the MAC covers
 * the user's name as the throttle keys it, the id and the expiry, under the `password-device`
 * subkey of MFA_SECRET_KEY (old keys still check, so a key rotation does not void them).
 * The id names the cookie's own failure count, so a cookie used for too many wrong
 * passwords can lose its exemption on its own (OWASP's lockout list).
 */

/** How long a device cookie counts after the login that set it. Each right password sets a new one, so it lasts a year from the last login. */
export const DEVICE_COOKIE_LIFETIME_MS = 365 * 86_400_000;

/** One cookie per user (OWASP: a browser shared by several accounts keeps each one's), named by a keyed hash so the name does not show who signed in. */
const NAME_PREFIX = 'mfa_password_device_';
const DEVICE_ID = /^[A-Za-z0-9_-]{22}$/;
const EXPIRY = /^[0-9a-z]{1,11}$/;
const MAX_VALUE_LENGTH = 128;

/** A cookie for the door to set: name and value are cookie-safe as they are (base64url, digits, dots). */
export interface DeviceCookie {
  name: string;
  value: string;
  /** Its Max-Age, in milliseconds. */
  maxAgeMs: number;
}

/** The user's name as the throttle keys it: trimmed, lower case. */
function nameKey(username: string): string {
  return username.trim().toLowerCase();
}

export class PasswordDeviceCookies {
  private readonly signatures: KeyedHash;

  constructor(
    private readonly keys: KeyRing,
    private readonly now: () => number,
  ) {
    this.signatures = keyedHash(keys, 'password-device');
  }

  /** The names `username`'s cookie may have: under the current key first, then under each old one (cookies set before a rotation). */
  names(username: string): string[] {
    return this.keys.accepted.map((master) => {
      const tag = createHmac('sha256', this.keys.subkey('password-device', master)).update(`cookie-name\0${nameKey(username)}`, 'utf8').digest();
      return `${NAME_PREFIX}${tag.subarray(0, 12).toString('base64url')}`;
    });
  }

  /** A new cookie for a browser that just gave `username`'s right password: a new id, valid for a year. */
  issue(username: string): DeviceCookie {
    const deviceId = randomToken(16);
    const expiresAt = this.now() + DEVICE_COOKIE_LIFETIME_MS;
    const signature = this.signatures.digest(this.signedParts(username, deviceId, expiresAt));
    return { name: this.names(username)[0]!, value: `${deviceId}.${expiresAt.toString(36)}.${signature}`, maxAgeMs: DEVICE_COOKIE_LIFETIME_MS };
  }

  /**
   * The device id of `username`'s cookie among those `readCookie` finds, when it is one
   * this site signed for this user and it has not expired; null otherwise (no cookie, a
   * forged or altered one, another user's, an expired one: all are a client without one).
   */
  recognise(username: string, readCookie: (name: string) => string | undefined): string | null {
    for (const name of this.names(username)) {
      const value = readCookie(name);
      if (value === undefined) continue;
      const deviceId = this.verify(username, value);
      if (deviceId) return deviceId;
    }
    return null;
  }

  private verify(username: string, value: string): string | null {
    if (value.length > MAX_VALUE_LENGTH) return null;
    const [deviceId, expiry, keyId, mac, ...rest] = value.split('.');
    if (rest.length > 0 || !deviceId || !expiry || !keyId || !mac || !DEVICE_ID.test(deviceId) || !EXPIRY.test(expiry)) return null;
    const expiresAt = Number.parseInt(expiry, 36);
    if (!this.signatures.matches(`${keyId}.${mac}`, this.signedParts(username, deviceId, expiresAt))) return null;
    return this.now() < expiresAt ? deviceId : null;
  }

  private signedParts(username: string, deviceId: string, expiresAt: number): string[] {
    return ['password-device-cookie', nameKey(username), deviceId, String(expiresAt)];
  }
}
