import type { Knex } from 'knex';
import type { KeyRing } from '../crypto/keyRing.ts';
import { hashToken } from '../crypto/tokens.ts';
import { addressNetwork } from '../net/addressNetwork.ts';
import type { SettingsSnapshot, SettingsStore } from '../settings/settingsStore.ts';
import type { Host, HostUser } from '../spi/host.ts';
import { type GuessKey, GuessStateConflict, PasswordGuessStore, type StoredGuessState } from '../store/passwordGuesses.ts';
import { type DeviceCookie, PasswordDeviceCookies } from './passwordDeviceCookies.ts';
import { afterRightPassword, decideGuess, type GuessChanges, type GuessRowScope, type GuessTrust, type ThrottlePolicy, type ThrottleScope } from './passwordThrottle.ts';

export type { DeviceCookie } from './passwordDeviceCookies.ts';

/** What a door learns from a password check; each door words it in its own contract. */
export type PasswordCheck =
  | {
      outcome: 'passed';
      user: HostUser;
      /**
       * Where the door reads cookies (`readCookie` given): the browser's new device cookie
       * for this user, to set on the response (HttpOnly, Secure on an https site). A new one
       * after every right password, as OWASP's device cookies are.
       */
      deviceCookie?: DeviceCookie;
    }
  | { outcome: 'wrong' }
  | {
      outcome: 'throttled';
      /** Which limit refused: this account from this address, this account, or this address. */
      scope: ThrottleScope;
      retryAfterSeconds: number;
      /** For a person: what happened and how long to wait. */
      message: string;
    };

export interface PasswordCheckInput {
  username: string;
  password: string;
  /** The client's address as the door sees it (normalised; null when unknown). */
  address: string | null;
  /**
   * At a door whose clients keep cookies (a browser's login form): reads one of the
   * request's cookies by name, for the client's device cookie. Leave it out where no cookie
   * can exist (token.php, Basic auth, API sessions): those clients are told apart by
   * address only (an address the account logged in from passes the ceilings).
   */
  readCookie?: (name: string) => string | undefined;
}

/** A guess's rows, as read or as written; `device` only for a client with a valid device cookie. */
interface GuessRows {
  pair: StoredGuessState;
  account: StoredGuessState;
  address: StoredGuessState;
  device: StoredGuessState | null;
}

interface GuessKeys {
  pair: GuessKey;
  account: GuessKey;
  address: GuessKey;
  device: GuessKey | null;
}

/** Under a burst on one key each round lets one request through; past this many rounds the caller is told to wait a second. */
const MAX_ROUNDS = 200;

/** The throttle policy from the settings (manifest.json). */
export function throttlePolicy(settings: SettingsSnapshot): ThrottlePolicy {
  return {
    failuresBeforeDelay: settings.integer('password_failures_before_delay'),
    maxDelayMs: settings.integer('password_max_delay_minutes') * 60_000,
    accountFailuresPerHour: settings.integer('password_failures_per_account_per_hour'),
    addressFailuresPerHour: settings.integer('password_failures_per_address_per_hour'),
    deviceFailuresPerHour: settings.integer('password_failures_per_device_per_hour'),
  };
}

/** The key of an account's rows: a hash of the name as the host compares it (trimmed, lower case). */
export function accountKeyOf(username: string): string {
  return hashToken(`account\0${username.trim().toLowerCase()}`);
}

function keysOf(username: string, address: string | null, deviceId: string | null): GuessKeys {
  const name = username.trim().toLowerCase();
  const network = addressNetwork(address);
  const accountKey = accountKeyOf(name);
  return {
    pair: { key: hashToken(`pair\0${name}\0${network}`), scope: 'pair', accountKey },
    account: { key: accountKey, scope: 'account', accountKey },
    address: { key: hashToken(`address\0${network}`), scope: 'address', accountKey: null },
    device: deviceId === null ? null : { key: hashToken(`device\0${deviceId}`), scope: 'device', accountKey },
  };
}

function waitText(seconds: number): string {
  if (seconds < 60) return `${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
}

/** The refusal in words; `browser`: the door reads device cookies, so a browser the user logged in with gets past the ceilings too. */
export function throttledMessage(scope: ThrottleScope, retryAfterSeconds: number, options: { browser?: boolean } = {}): string {
  const wait = waitText(retryAfterSeconds);
  switch (scope) {
    case 'pair':
      return `Too many wrong passwords for this account from your address. Try again in ${wait}.`;
    case 'account':
      return options.browser
        ? `Too many wrong passwords for this account from many addresses. Try again in ${wait}, or from a browser or a place where you have logged in before.`
        : `Too many wrong passwords for this account from many addresses. Try again in ${wait}, or from a place where you have logged in before.`;
    case 'address':
      return `Too many wrong passwords from your address. Try again in ${wait}.`;
  }
}

const ROW_SCOPES: readonly GuessRowScope[] = ['pair', 'account', 'address', 'device'];

/**
 * The password check every door uses (web login, token.php, the JSON API's sessions and
 * Basic auth): the throttle first, so a refused guess costs no password hash and is not
 * compared at all; then the host's check; then the outcome counted. The keys depend
 * only on the name typed and the address, never on whether the account exists, so a
 * wrong password costs the same work either way (the host compares a dummy hash for
 * unknown names). A door whose clients keep cookies passes `readCookie`: a browser that
 * signed in as the user before is then let past every limit (passwordThrottle.ts).
 */
export class PasswordLogins {
  private readonly store: PasswordGuessStore;
  private readonly deviceCookies: PasswordDeviceCookies;

  constructor(
    private readonly deps: { db: Knex; host: Host; settings: SettingsStore; keys: KeyRing; now: () => number },
  ) {
    this.store = new PasswordGuessStore(deps.db);
    this.deviceCookies = new PasswordDeviceCookies(deps.keys, deps.now);
  }

  async check(input: PasswordCheckInput): Promise<PasswordCheck> {
    const deviceId = input.readCookie ? this.deviceCookies.recognise(input.username, input.readCookie) : null;
    const keys = keysOf(input.username, input.address, deviceId);
    const policy = throttlePolicy(await this.deps.settings.snapshot());
    const reservation = await this.reserve(keys, policy);
    if (!reservation.allowed) {
      const retryAfterSeconds = Math.max(1, Math.ceil(reservation.waitMs / 1000));
      return { outcome: 'throttled', scope: reservation.scope, retryAfterSeconds, message: throttledMessage(reservation.scope, retryAfterSeconds, { browser: input.readCookie !== undefined }) };
    }
    const user = await this.deps.host.checkPassword(input.username, input.password);
    if (!user) return { outcome: 'wrong' };
    await this.giveBack(keys, reservation);
    return input.readCookie ? { outcome: 'passed', user, deviceCookie: this.deviceCookies.issue(input.username) } : { outcome: 'passed', user };
  }

  private async read(keys: GuessKeys): Promise<GuessRows> {
    const [pair, account, address, device] = await this.store.read([keys.pair, keys.account, keys.address, ...(keys.device ? [keys.device] : [])]);
    return { pair: pair!, account: account!, address: address!, device: device ?? null };
  }

  /**
   * Writes `changes` if none of their rows changed since `rows` were read (GuessStateConflict
   * otherwise). With `insert` false, a row that does not exist is not made again (an admin
   * cleared it meanwhile); returns the rows as written.
   */
  private async write(keys: GuessKeys, rows: GuessRows, changes: GuessChanges, options: { insert: boolean }): Promise<GuessRows> {
    const written: GuessRows = { ...rows };
    const swaps = [];
    for (const scope of ROW_SCOPES) {
      const key = keys[scope];
      const read = rows[scope];
      const next = changes[scope];
      if (!key || !read || !next || (!options.insert && scope !== 'pair' && read.version < 0)) continue;
      swaps.push({ key, read, next });
      written[scope] = { key: read.key, version: read.version + 1, state: next };
    }
    await this.store.swap(swaps);
    return written;
  }

  /** Counts this guess as wrong before the password is compared, unless a limit refuses it. */
  private async reserve(
    keys: GuessKeys,
    policy: ThrottlePolicy,
  ): Promise<{ allowed: false; scope: ThrottleScope; waitMs: number } | { allowed: true; trust: GuessTrust; reservedAt: number; written: GuessRows }> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = this.deps.now();
      const rows = await this.read(keys);
      const states = { pair: rows.pair.state, account: rows.account.state, address: rows.address.state, device: rows.device?.state ?? null };
      const decision = decideGuess(states, policy, now);
      if (!decision.allowed) return decision;
      try {
        return { allowed: true, trust: decision.trust, reservedAt: now, written: await this.write(keys, rows, decision.next, { insert: true }) };
      } catch (error) {
        if (!(error instanceof GuessStateConflict)) throw error;
      }
    }
    return { allowed: false, scope: 'pair', waitMs: 1000 };
  }

  /** The password was right: the reserved failure is given back, and the pair is known from now on (passwordThrottle.ts, afterRightPassword). */
  private async giveBack(keys: GuessKeys, reservation: { trust: GuessTrust; reservedAt: number; written: GuessRows }): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = this.deps.now();
      // First from what the reservation wrote (no read): a row changed since fails the
      // swap's version check, and the next round reads it.
      const rows = round === 0 ? reservation.written : await this.read(keys);
      const states = { pair: rows.pair.state, account: rows.account.state, address: rows.address.state, device: rows.device?.state ?? null };
      try {
        await this.write(keys, rows, afterRightPassword(states, reservation.trust, reservation.reservedAt, now), { insert: false });
        return;
      } catch (error) {
        if (!(error instanceof GuessStateConflict)) throw error;
      }
    }
  }
}
