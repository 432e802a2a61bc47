import { MfaError } from '../errors.ts';

export const MAX_TOKEN_NAME_LENGTH = 100;
export const MAX_SCOPES = 16;
/** Ten years: a token meant never to expire should say so (no expiry), not pick year 9999. */
export const MAX_TOKEN_LIFETIME_MS = 10 * 365 * 24 * 3600_000;
const SCOPE_PATTERN = /^[a-z][a-z0-9_.:-]{0,47}$/;

export interface IdentityTokenRequest {
  name: string;
  /** Epoch ms; null: until revoked. */
  expiresAt: number | null;
  scope: string[];
}

/**
 * Checks what a user asked for, field by field, with messages that say what to change.
 * `allowedScopes` are the scopes this site declares; anything else is refused, so a
 * typo cannot make a token that silently does nothing.
 */
export function parseIdentityTokenRequest(input: { name?: unknown; expiresAt?: unknown; scope?: unknown }, allowedScopes: readonly string[], now: number): IdentityTokenRequest {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name === '' || name.length > MAX_TOKEN_NAME_LENGTH) {
    throw new MfaError('INVALID_INPUT', `Give the token a name of 1 to ${MAX_TOKEN_NAME_LENGTH} characters, e.g. "Lab upload PC".`, { field: 'name' });
  }
  const expiresAt = parseExpiry(input.expiresAt, now);
  const scope = parseScope(input.scope, allowedScopes);
  return { name, expiresAt, scope };
}

function parseExpiry(value: unknown, now: number): number | null {
  if (value === undefined || value === null || value === '') return null;
  const at = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(at)) throw new MfaError('INVALID_INPUT', 'expiresAt must be a date and time such as 2027-06-30T00:00:00Z.', { field: 'expiresAt' });
  if (at <= now) throw new MfaError('INVALID_INPUT', 'expiresAt must be in the future.', { field: 'expiresAt' });
  if (at > now + MAX_TOKEN_LIFETIME_MS) throw new MfaError('INVALID_INPUT', 'expiresAt may be at most ten years away; leave it out for a token that lasts until revoked.', { field: 'expiresAt' });
  return at;
}

function parseScope(value: unknown, allowedScopes: readonly string[]): string[] {
  if (value === undefined || value === null || value === '') return [];
  const list = typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : value;
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string' || !SCOPE_PATTERN.test(s))) {
    throw new MfaError('INVALID_INPUT', 'scope must be a list of scope names such as ["uploads"].', { field: 'scope' });
  }
  const unique = [...new Set(list as string[])];
  if (unique.length > MAX_SCOPES) throw new MfaError('INVALID_INPUT', `A token may have at most ${MAX_SCOPES} scopes.`, { field: 'scope' });
  const unknown = unique.filter((s) => !allowedScopes.includes(s));
  if (unknown.length > 0) {
    const offer = allowedScopes.length > 0 ? `This site offers: ${allowedScopes.join(', ')}.` : 'This site offers no scopes; leave scope out.';
    throw new MfaError('INVALID_INPUT', `Unknown scope ${unknown.join(', ')}. ${offer}`, { field: 'scope' });
  }
  return unique.sort();
}
