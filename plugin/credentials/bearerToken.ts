import { randomToken } from '../crypto/tokens.ts';

/**
 * The kinds of bearer credential the plugin issues. A visible prefix tells a
 * reader (and a secret scanner, as GitHub's `ghp_` does) what a leaked string is,
 * and lets the API door look in the right table without trying both.
 */
export const BEARER_PREFIX = { apiSession: 'mbs_', identityToken: 'mbi_' } as const;

export type BearerKind = keyof typeof BEARER_PREFIX;

/** A new credential of `kind`: the prefix and 32 random bytes. */
export function newBearerToken(kind: BearerKind): string {
  return `${BEARER_PREFIX[kind]}${randomToken(32)}`;
}

/** Which kind of credential `token` claims to be, or null for anything else. */
export function bearerKind(token: string): BearerKind | null {
  for (const [kind, prefix] of Object.entries(BEARER_PREFIX) as [BearerKind, string][]) {
    if (token.startsWith(prefix) && token.length > prefix.length && token.length <= 128) return kind;
  }
  return null;
}
