import type { FactorStanding } from '../engine/decideOutcome.ts';
import type { TokenDoorPolicy } from '../engine/tokenDoorPolicy.ts';
import type { MfaError } from '../errors.ts';
import type { ClientCredential, Door, FactorInput, FactorLanding, RequestFacts } from '../spi/factor.ts';
import type { ChallengeView } from '../spi/factorPresentation.ts';
import type { HostUser } from '../spi/host.ts';

/**
 * How a door names the login it is carrying on: the attempt id it keeps itself (the web
 * door's session), or the opaque handle it gave a client (login/token.php's `mfa_token`,
 * the bridge's attempt). A handle is honoured only at the door, and for the service, it
 * was given for: a platform's handle is nothing at login/token.php, and the reverse.
 */
export type LoginKey = { attemptId: string } | { handle: string; door?: Door; service?: LoginService };

/**
 * Whose login a handle belongs to: a host service (`moodle_mobile_app`), or a platform
 * behind the bridge (`{ platform: 'keycloak' }`). A handle opened for one is unknown to the other.
 */
export type LoginService = string | { platform: string };

/** The login a step is about, as a door needs it: never a secret but the handle it gave out. */
export interface LoginRef {
  attemptId: string;
  /** The `Host` id of the login's user. */
  userId: string;
  /** The opaque handle, when the login was started with `handle: true`. */
  handle: string | null;
  door: Door;
  /** The service or platform the login is for, as stored (`bridge:<platform>` for a platform). */
  service: string | null;
  ip: string | null;
  userAgent: string | null;
  expiresAt: number;
}

/**
 * One factor of a waiting login, as every door offers it: set up by the user, able to take
 * an answer, in the order they are offered (phishing-resistant first). What the user answers
 * with, and how, is the factor's `prompt` (a code, a browser ceremony, an approval elsewhere).
 */
export interface LoginFactor extends FactorStanding {
  /** How the user answers: `code`, `browser` (WebAuthn), `approval` (push); undefined: a factor without a prompt. */
  prompt: 'code' | 'browser' | 'approval' | undefined;
  /** A backup (recovery codes): never taken as the default for a bare code, and no way in while set-up is required. */
  backup: boolean;
}

/**
 * Something a factor offers to do once the login passes, which the user may tick ("Trust
 * this device for 24 hours"): the door shows `label` and sends back `field` when ticked.
 */
export interface PassOffer {
  factor: string;
  field: string;
  label: string;
}

export type { ClientCredential };

/**
 * Where a login stands after a step, for every door alike. The door only translates it: a
 * page or a redirect (web), Moodle's JSON (token.php), a status code (JSON API), the
 * bridge's answer.
 */
export type LoginStep =
  /** MFA asks nothing of this login (off, or not enforced at this door): no attempt was opened. */
  | { kind: 'not_required'; user: HostUser }
  /**
   * Passed. `spent`: spent for this caller, who may now open the session or issue the token
   * (of callers racing on one login, exactly one hears `passed` with `spent: true`). A
   * platform behind the bridge spends it with its own call (`finish`): `spent: false`.
   */
  | {
      kind: 'passed';
      login: LoginRef;
      user: HostUser;
      spent: boolean;
      /** When MFA was passed: what the door records as the session's pass (recent-pass rule). */
      passedAt: number;
      /** The factors that passed it. */
      passedWith: string[];
      /** Somewhere to land other than the page first asked for (after a recovery code: the security page). */
      landing: FactorLanding | null;
      /** For the client to keep (the offers the user ticked). */
      keep: ClientCredential[];
    }
  /**
   * Waiting for the user to answer a factor. `error`: why the last answer did not pass (a
   * wrong code with the tries left, a lock, an approval not given yet: `APPROVAL_PENDING`).
   */
  | { kind: 'pending'; login: LoginRef; user: HostUser; factors: LoginFactor[]; offers: PassOffer[]; error?: MfaError }
  /** Set-up is required and the user has nothing to verify with: they set a factor up first, which passes the login. */
  | { kind: 'setup_required'; login: LoginRef; user: HostUser; setup: Array<{ id: string; displayName: string }>; error?: MfaError }
  /** Every factor the user could answer is locked: an administrator unlocks, or another way passes. */
  | { kind: 'locked'; login: LoginRef; user: HostUser; factors: LoginFactor[]; error?: MfaError }
  /**
   * The login is over without a pass: `expired` (timed out, or spent by another request),
   * `refused` (a factor failed it, or the account may not log in), `denied` (the user said no
   * on their other device); `unknown`: no login has that handle at this door (never one, or another door's).
   */
  | { kind: 'ended'; reason: 'expired' | 'refused' | 'denied' | 'unknown'; error: MfaError };

/** A step that has a login to name (everything but `not_required` and `ended`). */
export type OpenLoginStep = Extract<LoginStep, { login: LoginRef }>;

/** What the user answers a factor with. `factor` omitted: the engine picks (the one factor that fits, or the authenticator app). */
export interface LoginAnswer {
  factor?: string;
  /** The factor's input: `{ code }`, `{ response }` (a WebAuthn assertion), `{}` for an approval given elsewhere. */
  input: FactorInput;
}

export interface StartLoginOptions {
  /** The user whose password just passed, as the `Host` knows them. */
  user: HostUser;
  door: Door;
  facts: RequestFacts;
  /** The service (login/token.php) or platform (the bridge) the login is for. */
  service?: LoginService | null;
  /** Give the client an opaque handle to name the login by (a door without a session). */
  handle?: boolean;
  /** An answer that came with the password (a code at the JSON API, `mfa_code` at token.php): one call for the whole login. */
  answer?: LoginAnswer | null;
  /** Spend a pass at once for this caller. @default true; the bridge says false and spends with `finish`. */
  spend?: boolean;
  /** At a token door, whether MFA is always asked or as the site's app toggle says (a bridge client's own policy). @default 'follow-site' */
  tokenDoorPolicy?: TokenDoorPolicy;
}

export interface AnswerOptions {
  /** Offers the user ticked (PassOffer `field`s), e.g. trusting this browser. */
  accept?: readonly string[];
  /** Spend a pass at once. @default true */
  spend?: boolean;
  /**
   * The login was made for a particular page (a deep link, the Moodle app's browser
   * sign-in): a factor's landing (the security page after a recovery code) would strand
   * the user there, so it is not given. @default false
   */
  forPage?: boolean;
}

/** What a challenge sent, as every door shows it. */
export interface ChallengeSent {
  login: LoginRef;
  factor: string;
  /** What the factor returned (WebAuthn request options; an email code's expiry). */
  result: Record<string, unknown>;
  /** The factor's words and blocks for it (a number to match). */
  view: ChallengeView;
  /** Epoch ms, when known. */
  expiresAt: number | null;
  resendAvailableAt: number | null;
}
