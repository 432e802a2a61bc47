/**
 * How a factor appears to people, declared as data (issue 12, DESIGN.md "a factor is one
 * folder"). `web/` and the doors render these generically; nothing here is HTML or
 * Express, and no door names a factor id. A factor's browser script (WebAuthn's ceremony,
 * push's device page) is a file in its own folder, listed in `assets`.
 */
import type { FactorContext } from './factorContext.ts';
import type { HostUser } from './host.ts';

/** Pieces of a page a factor may ask for, rendered in order. */
export type DisplayBlock =
  | { kind: 'text'; text: string }
  /** A QR code drawn on this server (never by a third-party service): the value may be a secret. */
  | { kind: 'qr'; value: string; alt: string }
  /** A secret the user may need to type (a TOTP key), grouped for reading. */
  | { kind: 'secret'; label: string; value: string }
  /** Codes shown once (recovery codes), with copy and download (a text file named `download.filename`, headed `download.title`). */
  | { kind: 'codes'; values: readonly string[]; download?: { filename: string; title: string } }
  /** A number to match on another device (push). */
  | { kind: 'number'; label: string; value: string }
  /**
   * A button that posts `fields` to `path` (one of the factor's own POST routes), with the
   * page's CSRF token added by the door: for pages that only ask before acting ("This wasn't
   * me": mail scanners open links, so the link itself must not act).
   */
  | { kind: 'action'; button: string; path: string; fields: Readonly<Record<string, string>> };

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
  /** Ask a name for the new device: `true` asks "Name for this device"; or the factor's own words ("Name for this key"). */
  askLabel?: boolean | { label: string; placeholder?: string };
  /** Offer it only while the user has none (one email address). */
  onlyOne?: boolean;
  /**
   * Set-up runs in a browser script from `assets` (WebAuthn registration): the script posts
   * to `/user/security/<slug>/setup` with `Accept: application/json` for what `beginSetup`
   * returned, then submits the card's form (fields `setupId`, `response`, `label`) to `.../confirm`.
   */
  script?: string;
  /**
   * A backup, not a way in (recovery codes): not offered while set-up is required, since
   * the user has no other factor yet and it alone must not pass a login.
   */
  backup?: boolean;
}

/** A line about the user's own state of the factor, under its card ("7 of 10 recovery codes left"). */
export interface CardStatus {
  line?: string;
  /** Shown as a warning ("You are running out of recovery codes"). */
  warning?: string;
  /** Replaces the card's button text ("Generate new recovery codes"). */
  button?: string;
}

/** One step of setting the factor up, made from what `beginSetup` returned. */
export interface SetupStep {
  title: string;
  blocks: readonly DisplayBlock[];
  /**
   * How the user finishes it. Only the user finishes it, on this page: a set-up is never
   * confirmed by a page on its own, since what happened elsewhere (a phone opened a link)
   * may have been done by someone else.
   */
  confirm:
    /**
     * The user types a code: one the factor sent or shows (an email, an authenticator app),
     * or one another device shows (the phone that opened a pairing link), which proves the
     * person at this page holds that device. Posted as `code` with the `carry` fields.
     */
    | { kind: 'code'; label: string; hint: string; inputMode?: 'numeric' | 'text'; /** @default 'Confirm and turn on' */ button?: string }
    | { kind: 'acknowledge'; button: string }
    /**
     * Waiting for something elsewhere (a phone to open a pairing link). The door's page polls
     * GET `/user/security/<slug>/setup/status` with the `carry` fields: it calls
     * `resumeSetup(user, carry)` and presents the result again; while that step's confirm is
     * still 'wait' the page waits, when it is anything else the page shows that step
     * (GET `/user/security/<slug>/setup/step` with the carry fields) for the user to finish,
     * when it is gone (null) the page goes back to the security page. It posts nothing.
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
  /** Its name inside a sentence ("your email codes", "A wrong code was entered for your authenticator app"). @default displayName in lower case */
  inSentence?: string;
  /** The activity line when it is set up, when "<name> was added" reads wrong ("New recovery codes were made"). */
  addedActivity?: string;
  /**
   * Its own audit events in the user's recent activity, by event name (`recovery_code_used`):
   * a line, or a line made from the event's harmless details (counts, labels; never a secret).
   */
  activity?: Readonly<Record<string, string | ((detail: Readonly<Record<string, unknown>>) => string)>>;
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
  /**
   * A page of the site's layout made of blocks, with an optional script and web app
   * manifest from the factor's assets (names in `assets`).
   */
  | { page: { title: string; blocks: readonly DisplayBlock[]; script?: string; manifest?: string }; status?: number }
  /**
   * Server-Sent Events until the iterator ends or the client leaves (the door then calls
   * the iterator's `return`, so a `finally` in an async generator runs). The door sends a
   * comment line as a heartbeat every 15 s so proxies keep the stream open, and asks for
   * each event outside the request's memo of reads, so every look at the database is afresh.
   */
  | { events: AsyncIterable<{ event: string; data: unknown }> };

/** Everything web-facing about a factor. All optional: a factor without a prompt is not asked for on `/mfa`. */
export interface FactorPresentation<TSetup = unknown, TChallenge = unknown> {
  prompt?: FactorPrompt;
  card?: SetupCard;
  presentSetup?(setup: TSetup): SetupStep;
  presentChallenge?(challenge: TChallenge): ChallengeView;
  /** Devices are listed under their own heading rather than with the other factors (trusted browsers). */
  deviceSection?: { heading: string; empty: string };
  /**
   * Files served from the factor's folder at `/mfa/assets/<factor id>/<name>`: name → absolute
   * path. Only these are served; the content type comes from the name's extension (.js, .css,
   * .json, .webmanifest, .svg, .png).
   */
  assets?: Readonly<Record<string, string>>;
  routes?: readonly FactorRoute[];
}
