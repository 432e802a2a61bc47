/**
 * The factor contract, after Keycloak's Authenticator SPI: a factory per factor
 * type (registered once) creates a provider per use. The engine, the doors and the
 * pages reach factors only through these types, so a new factor is a new folder (or
 * package) and nothing else: its settings, copy, capabilities, prompt, set-up steps,
 * routes, storage and migrations are all declared here (issue 12).
 */
import type { AttemptView, ClientCredential, FactorState, RequestFacts } from './attempt.ts';
import type { AuditEventName } from './audit.ts';
import type { FactorContext, OwnTables } from './factorContext.ts';
import type { CardStatus, FactorCopy, FactorPresentation } from './factorPresentation.ts';
import type { FactorStorage } from './factorStorage.ts';
import type { HostUser } from './host.ts';
import type { Migration } from './migration.ts';
import type { FactorSettingDefinition } from './settings.ts';

export type * from './attempt.ts';
export type * from './factorContext.ts';

/** Something a factor offers to do once the login passes, which the user may tick: `field` comes back when ticked. */
export interface FactorPassOffer {
  field: string;
  label: string;
}

/** A plain "no" is a result, not an exception (as SimpleWebAuthn's verify functions). */
export type VerifyOutcome =
  | { verified: true; deviceId?: number }
  | { verified: false; reason: 'invalid' | 'replayed' | 'expired' | 'not_configured'; message?: string };

/** A set-up device of a user (never its secret). */
export interface FactorDevice {
  id: number;
  factor: string;
  label: string;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt?: number;
}

/** What doors pass a factor: a request's fields. The factor validates them (zod) before use. */
export type FactorInput = Readonly<Record<string, unknown>>;

/** Where a factor sends the user after a pass (recovery codes: to the security page, "N codes left"). */
export interface FactorLanding {
  place: 'security';
  message: string;
}

export interface FactorProvider<TSetup extends object = object, TChallenge extends object = object, TInput extends FactorInput = FactorInput> {
  /** Whether the user can use this factor at login (has a confirmed device; for no-input factors, whether it applies). */
  configuredFor(user: HostUser): Promise<boolean>;
  /** No-input factors decide here; factors that need input answer 'unknown'. */
  state(attempt: AttemptView, facts: RequestFacts): Promise<FactorState>;
  /** Prepares what the user answers (Keycloak `authenticate`): sends the email, makes WebAuthn options. */
  challenge?(attempt: AttemptView, user: HostUser, input: FactorInput): Promise<TChallenge>;
  /**
   * Checks the user's answer (Keycloak `action`). The engine counts failures and locks; the
   * factor only says yes or no. `input` is typed for callers; the factor still validates it
   * (doors pass request bodies), and throws INVALID_INPUT for what is no answer at all.
   */
  verify?(attempt: AttemptView, user: HostUser, input: TInput): Promise<VerifyOutcome>;
  /** What it offers to do once a login passes ("Trust this device for 24 hours"); null: nothing now. */
  passOffer?(): FactorPassOffer | null;
  /** The user ticked the offer and the login passed: what the client keeps (afterwards sent back in `RequestFacts.credentials`). */
  afterPass?(attempt: AttemptView, user: HostUser, facts: RequestFacts): Promise<ClientCredential | null>;
  /** After a pass with this factor, somewhere to land other than the page first asked for; null: no. */
  landingAfterPass?(user: HostUser): Promise<FactorLanding | null>;
  /** Devices the user has set up with this factor. */
  listDevices?(user: HostUser): Promise<FactorDevice[]>;
  /** Gives one of the user's devices a new name (already trimmed, 1–100 characters); false when it is not theirs or not there. */
  rename?(user: HostUser, deviceId: number, label: string): Promise<boolean>;
  /** Removes one of the user's devices; false when it was not theirs or not there. */
  revoke?(user: HostUser, deviceId: number): Promise<boolean>;
  /** Enrolment step one (Keycloak's required action): e.g. a new TOTP secret, WebAuthn creation options. */
  beginSetup?(user: HostUser, input: FactorInput): Promise<TSetup>;
  /** Enrolment step one again, for a set-up still open (the user mistyped the code): null when it is gone. */
  resumeSetup?(user: HostUser, input: FactorInput): Promise<TSetup | null>;
  /** Enrolment step two: the user proves the device works; it becomes usable at login. */
  confirmSetup?(user: HostUser, input: FactorInput): Promise<FactorDevice>;
  /** The user's own state of the factor, shown with its card on the security page. */
  cardStatus?(user: HostUser): Promise<CardStatus | null>;
}

/**
 * What a factor can do. The doors and pages decide by these, never by a factor's id: a
 * new factor that sends a code, or needs no browser, is offered at every door it fits.
 */
export interface FactorCapabilities {
  /** False for factors that decide on their own (trusted device, IP range). */
  requiresInput: boolean;
  /** Needs a request of its own before the input (email sends a code, push asks the phone): engine.challenge. */
  sendsChallenge: boolean;
  /** A client without a browser (an app at token.php, a script at the API) can use it: a typed code, or an approval it polls for. */
  worksWithoutBrowser: boolean;
  /** Bound to the site's origin or to a device key, so a phishing page cannot relay it (WebAuthn, push with number matching): offered first. */
  phishingResistant: boolean;
  /** Users set it up themselves from their security page. */
  userSetupAllowed: boolean;
  /** Removing one of its devices only gives access up (a trusted browser): no recent MFA pass is asked first. */
  removalGivesAccessUp?: boolean;
}

/** A security mail's words, for a factor whose "X was added" mail would mislead (a new set of recovery codes replaces the old). */
export interface FactorMailText {
  /** "... on <site>" is added. */
  subject: string;
  /** What happened; `{site}` becomes the site's name. */
  happened: string;
  /** What to do if it was the user. (What to do if not is the same for every factor: change the password.) */
  ifYou: string;
}

export interface FactorProviderFactory<TSetup extends object = object, TChallenge extends object = object, TInput extends FactorInput = FactorInput> {
  id: string;
  displayName: string;
  /** Keycloak's reference category: factors of one category can stand in for one another. An open set. */
  referenceCategory: string;
  /** False for factors that decide on their own (trusted device, IP range). Mirrors capabilities.requiresInput. */
  requiresInput: boolean;
  /** Users set this factor up themselves from their security page. Mirrors capabilities.userSetupAllowed. */
  userSetupAllowed: boolean;
  /** What it can do. */
  capabilities: FactorCapabilities;
  /** Its words for people. */
  copy?: FactorCopy;
  /**
   * Its admin settings, names relative to the factor (`enabled`, `weight`, `code_ttl_minutes`):
   * stored and shown as `factor.<id>.<name>` in section `factor.<id>`, merged into the admin
   * page, the CLI, the settings store and manifest.json. `enabled` (boolean) and `weight`
   * (integer 0..100) are required.
   */
  settings: readonly FactorSettingDefinition[];
  /** Its prompt on /mfa, its card and set-up steps on /user/security, its own routes and browser files. */
  presentation?: FactorPresentation<TSetup, TChallenge>;
  /**
   * Migrations for the factor's own tables (named `<factor id>_NNN_...`), run after the
   * plugin's and recorded in mfa_factor_migrations. A table that an older release made
   * as an engine table is created only if it is not there yet (upgrades keep their rows).
   */
  migrations?: readonly Migration[];
  /** The tables its migrations make: the only names `FactorContext.ownTables` opens for it. */
  tables?: readonly string[];
  /**
   * For a factor with its own tables, what the admin tools need of them (they run without
   * the server key, so through the tables only): removing a user's data on a reset, and
   * counting users for the factor report. Records in the engine's storage are handled by the engine.
   */
  ownData?: {
    removeUser(tables: OwnTables, userId: string, now: number): Promise<number>;
    countUsers(tables: OwnTables, now: number): Promise<number>;
  };
  /** Names of what its clients keep and send back (ClientCredential), which the doors read into `RequestFacts.credentials`. */
  clientCredentials?: readonly string[];
  /** The audit event written when a user removes one of its devices, instead of `factor_removed` (no security mail: `trusted_device_revoked`). */
  removedEvent?: AuditEventName;
  /** The security mail on `factor_added`, when the generic one does not fit. */
  addedMail?: FactorMailText;
  create(context: FactorContext): FactorProvider<TSetup, TChallenge, TInput>;
}

/** The factor types a site registers, whatever their payloads (methods are bivariant, so any factory fits). */
export type AnyFactorProviderFactory = FactorProviderFactory<object, object, FactorInput>;

/** Where a factor's storage comes from: the engine owns it (plugin/spi/factorStorage.ts). */
export type { FactorStorage };
