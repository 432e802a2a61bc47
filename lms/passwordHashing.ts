import { hash as argon2Hash, parseOptions as parseArgon2Options, verify as argon2Verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

/**
 * How the reference site hashes passwords: Argon2id (RFC 9106), stored as a PHC string
 * (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) in `lms_users.password_hash`. Computed by
 * @node-rs/argon2 on the libuv threadpool, so hashing uses every core and never blocks
 * the event loop (bcryptjs, before, did both).
 */
export interface PasswordHashing {
  /** Memory per hash, in KiB (`m`). */
  memoryKiB: number;
  /** Passes over that memory (`t`). */
  iterations: number;
  /** Lanes (`p`). */
  parallelism: number;
}

/**
 * Argon2id, m=7 MiB, t=5, p=1: Keycloak's default, and the last of the equally strong
 * settings OWASP's Password Storage Cheat Sheet lists (its first is m=19 MiB, t=2).
 * bench/passwordHash.bench.ts measured both here: this one verifies faster per core
 * (about 75/s against 60/s) in a third of the memory per login; docs/operations.md
 * ("Password storage") has the figures.
 */
export const SITE_PASSWORD_HASHING: PasswordHashing = { memoryKiB: 7168, iterations: 5, parallelism: 1 };

// Argon2id is 2 in the package's `Algorithm` const enum, which has no value at run time.
const ARGON2ID = 2;
const ARGON2_VERSION_19 = 1;
const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

export async function hashPassword(password: string, hashing: PasswordHashing): Promise<string> {
  return argon2Hash(password, { algorithm: ARGON2ID, memoryCost: hashing.memoryKiB, timeCost: hashing.iterations, parallelism: hashing.parallelism });
}

export interface PasswordVerification {
  verified: boolean;
  /** The password was right but its stored hash is not the current kind (bcrypt, or other Argon2 parameters): store a new one. */
  needsRehash: boolean;
}

/**
 * Checks `password` against a stored hash of either kind the site has written: Argon2id
 * now, bcrypt (from bcryptjs) before. A stored value of neither kind never verifies.
 */
export async function verifyPassword(stored: string, password: string, hashing: PasswordHashing): Promise<PasswordVerification> {
  if (stored.startsWith('$argon2')) {
    let verified: boolean;
    try {
      verified = await argon2Verify(stored, password);
    } catch {
      return { verified: false, needsRehash: false }; // not a well-formed PHC string
    }
    return { verified, needsRehash: verified && !isCurrentArgon2id(stored, hashing) };
  }
  if (BCRYPT_HASH.test(stored)) {
    const verified = await bcrypt.compare(password, stored);
    return { verified, needsRehash: verified };
  }
  return { verified: false, needsRehash: false };
}

function isCurrentArgon2id(stored: string, hashing: PasswordHashing): boolean {
  const options = parseArgon2Options(stored);
  return (
    options.algorithm === ARGON2ID &&
    options.version === ARGON2_VERSION_19 &&
    options.memoryCost === hashing.memoryKiB &&
    options.timeCost === hashing.iterations &&
    options.parallelism === hashing.parallelism
  );
}

const dummyHashes = new Map<string, Promise<string>>();

/**
 * A hash of no one's password, made with `hashing`: checked when the username does not
 * exist, so an unknown name costs what a wrong password costs and the answer's timing
 * does not tell which names exist. Made once per parameter set.
 */
export function dummyPasswordHash(hashing: PasswordHashing): Promise<string> {
  const key = `${hashing.memoryKiB},${hashing.iterations},${hashing.parallelism}`;
  let dummy = dummyHashes.get(key);
  if (!dummy) {
    dummy = hashPassword('not a real password', hashing);
    dummyHashes.set(key, dummy);
    dummy.catch(() => dummyHashes.delete(key)); // the next login tries again
  }
  return dummy;
}
