import type { PasswordHashing } from '../../lms/passwordHashing.ts';

/**
 * Argon2id at a token cost (1 MiB, one pass): tests make many users and time none of
 * them; the site's real cost is measured by bench/passwordHash.bench.ts.
 */
export const TEST_PASSWORD_HASHING: PasswordHashing = { memoryKiB: 1024, iterations: 1, parallelism: 1 };
