/**
 * How a factor appears to people, declared as data (issue 12, DESIGN.md "a factor is one
 * folder"). `web/` and the doors render these generically; nothing here is HTML or
 * Express, and no door names a factor id. A factor's browser script (WebAuthn's ceremony,
 * push's device page) is a file in its own folder, listed in `assets`.
 */
import type { FactorContext } from './factor.ts';
import type { HostUser } from './host.ts';

/** Pieces of a page a factor may ask for, rendered in order. */
export type DisplayBlock =
  | { kind: 'text'; text: string }
  /** A QR code drawn on this server (never by a third-party service): the value may be a secret. */
  | { kind: 'qr'; value: string; alt: string }
  /** A secret the user may need to type (a TOTP key), grouped for reading. */
  | { kind: 'secret'; label: string; value: string }
  /** Codes shown once (recovery codes), with copy and download. */
  | { kind: 'codes'; values: readonly string[] }
  /** A number to match on another device (push). */
  | { kind: 'number'; label: string; value: string };

/** How `/mfa` asks for the factor. No-input factors have none. */
export type FactorPrompt =
  | {
      kind: 'code';
      label: string;
      hint: string;
      /** The keyboard a phone shows. @default 'numeric' */
      inputMode?: 'numeric' | 'text';
      /** @default 12 */
      maxLength?: number;
      /** Factors that send their code (email): the button that asks for one (engine.challenge). */
      send?: { button: string };
    }
  /** A ceremony only a browser script can run (WebAuthn): the script asks `/mfa/challenge` and posts `response` to `/mfa`. */
  | { kind: 'browser'; button: string; hint: string; script: string }
  /**
   * Approval on another device (push): a button starts it (engine.challenge), the page
   * shows the ChallengeView's blocks and waits (GET /mfa/status, or its SSE stream
   * /mfa/status/events). How the door learns the answer: the provider's `state(attempt)`
   * answers 'pass' once the user approved (the door then spends it through `verify`
   * with `{}`, counted like any input), 'fail' once denied, 'unknown' while waiting.
   * The token door does the same when the app polls with its mfa_token.
   */
  | { kind: 'approval'; button: string; hint: string; script?: string };

/** The factor's card on `/user/security`, offering to set it up. */
export interface SetupCard {
  title: string;
  text: string;
  button: string;
  /** Ask a name for the new device ("My phone"). */
  askLabel?: boolean;
  /** Offer it only while the user has none (one email address). */
  onlyOne?: boolean;
  /** Set-up runs in a browser script from `assets` (WebAuthn registration). */
  script?: string;
}

/** One step of setting the factor up, made from what `beginSetup` returned. */
export interface SetupStep {
  title: string;
  blocks: readonly DisplayBlock[];
  /** How the user finishes it. */
  confirm:
    | { kind: 'code'; label: string; hint: string; inputMode?: 'numeric' | 'text' }
    | { kind: 'acknowledge'; button: string }
    /**
     * Finished elsewhere (a phone pairs itself): the page waits, then confirms on its own.
     * The door's page polls GET `/user/security/<slug>/setup/status` with the `carry` fields:
     * it calls `resumeSetup(user, carry)` and presents the result again; while that step's
     * confirm is still 'wait' the page waits, when it is anything else the page posts the
     * confirmation, when it is gone (null) the page goes back to the security page.
     * `script`, from the factor's assets, may replace that polling.
     */
    | { kind: 'wait'; hint: string; script?: string };
  /** Fields posted back with the confirmation (setupId, label). */
  carry: Readonly<Record<string, string>>;
  /** Shown pages of secrets are never cached. */
  containsSecret?: boolean;
  /** A button that begins the set-up again (a new email code): posts to `.../setup`. */
  restart?: { button: string };
  /** When the step stops working ("This QR code works until …"), epoch ms. */
  expiresAt?: number;
}

/** What the page says after `engine.challenge` (a code was sent, a number to match). */
export interface ChallengeView {
  /** A line above the prompt ("We sent a code to j***@example.edu"). */
  message?: string;
  blocks?: readonly DisplayBlock[];
}

export interface FactorCopy {
  /** Its name in lists and menus ("Authenticator app"). */
  displayName: string;
  /** Said after it is set up. */
  addedMessage: string;
  /** Said after one of its devices is removed. */
  removedMessage: string;
  /** The button that removes a device. @default 'Remove' */
  removeButton?: string;
}

/** Routes a factor serves of its own (push's device page and answers), free of any web framework. */
export interface FactorRoute {
  method: 'GET' | 'POST';
  /** Absolute path, e.g. `/push/device`. */
  path: string;
  /**
   * Who may call it. `public`: anyone (the factor checks a signature or token itself);
   * `user`: a browser session that has passed MFA; `pending`: the session's login waiting
   * at the second factor (the handler gets its attempt id).
   */
  access: 'public' | 'user' | 'pending';
  handle(request: FactorRouteRequest): Promise<FactorRouteResponse>;
}

export interface FactorRouteRequest {
  /** The factor's context for this request (settings read now): its storage, logins, host, audit. */
  context: FactorContext;
  body: unknown;
  query: Readonly<Record<string, string>>;
  user: HostUser | null;
  attemptId: string | null;
  ip: string | null;
  userAgent: string | null;
}

export type FactorRouteResponse =
  | { json: unknown; status?: number }
  /** A page of the site's layout made of blocks, with an optional script from the factor's assets. */
  | { page: { title: string; blocks: readonly DisplayBlock[]; script?: string; manifest?: string }; status?: number }
  /** Server-Sent Events until the iterator ends or the client leaves. */
  | { events: AsyncIterable<{ event: string; data: unknown }> };

/** Everything web-facing about a factor. All optional: a factor without a prompt is not asked for on `/mfa`. */
export interface FactorPresentation<TSetup = unknown, TChallenge = unknown> {
  prompt?: FactorPrompt;
  card?: SetupCard;
  presentSetup?(setup: TSetup): SetupStep;
  presentChallenge?(challenge: TChallenge): ChallengeView;
  /** Devices are listed under their own heading rather than with the other factors (trusted browsers). */
  deviceSection?: { heading: string; empty: string };
  /** Files served from the factor's folder at `/mfa/assets/<factor id>/<name>`: name → absolute path. */
  assets?: Readonly<Record<string, string>>;
  routes?: readonly FactorRoute[];
}
