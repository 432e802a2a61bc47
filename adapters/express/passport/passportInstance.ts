import type { Authenticator, Strategy } from 'passport';

/**
 * Passport, or one of its instances (`new Passport()`): what the strategies need of it.
 * `serializeUser` / `deserializeUser` are called with a user (not a function) to run the
 * host's own serializers, as Passport's session manager does.
 */
export interface PassportInstance {
  use(name: string, strategy: Strategy): unknown;
  authenticate: Authenticator['authenticate'];
  serializeUser(user: unknown, req: unknown, done: (error: unknown, kept: unknown) => void): unknown;
  deserializeUser(kept: unknown, req: unknown, done: (error: unknown, user: unknown) => void): unknown;
}
