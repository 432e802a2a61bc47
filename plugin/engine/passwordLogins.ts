import type { Knex } from 'knex';
import { hashToken } from '../crypto/tokens.ts';
import { addressNetwork } from '../net/addressNetwork.ts';
import type { SettingsSnapshot, SettingsStore } from '../settings/settingsStore.ts';
import type { Host, HostUser } from '../spi/host.ts';
import { type GuessKey, GuessStateConflict, PasswordGuessStore, type StoredGuessState } from '../store/passwordGuesses.ts';
import { ceilingWithout, decideGuess, type GuessState, pairAfterSuccess, type ThrottlePolicy, type ThrottleScope } from './passwordThrottle.ts';

/** What a door learns from a password check; each door words it in its own contract. */
export type PasswordCheck =
  | { outcome: 'passed'; user: HostUser }
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
}

/** A guess's three rows, in the order pair, account, address. */
type GuessRows = [StoredGuessState, StoredGuessState, StoredGuessState];

/** Under a burst on one key each round lets one request through; past this many rounds the caller is told to wait a second. */
const MAX_ROUNDS = 200;

/** The throttle policy from the settings (manifest.json). */
export function throttlePolicy(settings: SettingsSnapshot): ThrottlePolicy {
  return {
    failuresBeforeDelay: settings.integer('password_failures_before_delay'),
    maxDelayMs: settings.integer('password_max_delay_minutes') * 60_000,
    accountFailuresPerHour: settings.integer('password_failures_per_account_per_hour'),
    addressFailuresPerHour: settings.integer('password_failures_per_address_per_hour'),
  };
}

/** The key of an account's rows: a hash of the name as the host compares it (trimmed, lower case). */
export function accountKeyOf(username: string): string {
  return hashToken(`account\0${username.trim().toLowerCase()}`);
}

function keysOf(username: string, address: string | null): { pair: GuessKey; account: GuessKey; address: GuessKey } {
  const name = username.trim().toLowerCase();
  const network = addressNetwork(address);
  const accountKey = accountKeyOf(name);
  return {
    pair: { key: hashToken(`pair\0${name}\0${network}`), scope: 'pair', accountKey },
    account: { key: accountKey, scope: 'account', accountKey },
    address: { key: hashToken(`address\0${network}`), scope: 'address', accountKey: null },
  };
}

function waitText(seconds: number): string {
  if (seconds < 60) return `${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
}

export function throttledMessage(scope: ThrottleScope, retryAfterSeconds: number): string {
  const wait = waitText(retryAfterSeconds);
  switch (scope) {
    case 'pair':
      return `Too many wrong passwords for this account from your address. Try again in ${wait}.`;
    case 'account':
      return `Too many wrong passwords for this account from many addresses. Try again in ${wait}, or from a place where you have logged in before.`;
    case 'address':
      return `Too many wrong passwords from your address. Try again in ${wait}.`;
  }
}

/**
 * The password check every door uses (web login, token.php, the JSON API's sessions and
 * Basic auth): the throttle first, so a refused guess costs no password hash and is not
 * compared at all; then the host's check; then the outcome counted. The keys depend
 * only on the name typed and the address, never on whether the account exists, so a
 * wrong password costs the same work either way (the host compares a dummy hash for
 * unknown names).
 */
export class PasswordLogins {
  private readonly store: PasswordGuessStore;

  constructor(
    private readonly deps: { db: Knex; host: Host; settings: SettingsStore; now: () => number },
  ) {
    this.store = new PasswordGuessStore(deps.db);
  }

  async check(input: PasswordCheckInput): Promise<PasswordCheck> {
    const keys = keysOf(input.username, input.address);
    const policy = throttlePolicy(await this.deps.settings.snapshot());
    const reservation = await this.reserve(keys, policy);
    if (!reservation.allowed) {
      const retryAfterSeconds = Math.max(1, Math.ceil(reservation.waitMs / 1000));
      return { outcome: 'throttled', scope: reservation.scope, retryAfterSeconds, message: throttledMessage(reservation.scope, retryAfterSeconds) };
    }
    const user = await this.deps.host.checkPassword(input.username, input.password);
    if (!user) return { outcome: 'wrong' };
    await this.giveBack(keys, reservation.reservedAt, reservation.countedTowardCeilings, reservation.written);
    return { outcome: 'passed', user };
  }

  /** Counts this guess as wrong before the password is compared, unless a limit refuses it. */
  private async reserve(
    keys: ReturnType<typeof keysOf>,
    policy: ThrottlePolicy,
  ): Promise<{ allowed: false; scope: ThrottleScope; waitMs: number } | { allowed: true; reservedAt: number; countedTowardCeilings: boolean; written: GuessRows }> {
    const order = [keys.pair, keys.account, keys.address];
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = this.deps.now();
      const [pair, account, address] = (await this.store.read(order)) as [StoredGuessState, StoredGuessState, StoredGuessState];
      const decision = decideGuess({ pair: pair.state, account: account.state, address: address.state }, policy, now);
      if (!decision.allowed) return decision;
      const changes = [{ key: keys.pair, read: pair, next: decision.next.pair }];
      if (decision.countsTowardCeilings) {
        changes.push({ key: keys.account, read: account, next: decision.next.account }, { key: keys.address, read: address, next: decision.next.address });
      }
      try {
        await this.store.swap(changes);
        const written = (read: StoredGuessState, next: GuessState): StoredGuessState => ({ key: read.key, version: read.version < 0 ? 0 : read.version + 1, state: next });
        const ceilings = decision.countsTowardCeilings;
        return {
          allowed: true,
          reservedAt: now,
          countedTowardCeilings: ceilings,
          written: [written(pair, decision.next.pair), ceilings ? written(account, decision.next.account) : account, ceilings ? written(address, decision.next.address) : address],
        };
      } catch (error) {
        if (!(error instanceof GuessStateConflict)) throw error;
      }
    }
    return { allowed: false, scope: 'pair', waitMs: 1000 };
  }

  /** The password was right: the pair starts over (and is known from now on), the ceilings get their unit back. */
  private async giveBack(keys: ReturnType<typeof keysOf>, reservedAt: number, countedTowardCeilings: boolean, reserved: GuessRows): Promise<void> {
    const order = [keys.pair, keys.account, keys.address];
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = this.deps.now();
      // First from what the reservation wrote (no read): a row changed since fails the
      // swap's version check, and the next round reads it.
      const [pair, account, address] = round === 0 ? reserved : ((await this.store.read(order)) as GuessRows);
      const changes = [{ key: keys.pair, read: pair, next: pairAfterSuccess(pair.state, now) }];
      if (countedTowardCeilings) {
        if (account.version >= 0) changes.push({ key: keys.account, read: account, next: ceilingWithout(account.state, reservedAt, now) });
        if (address.version >= 0) changes.push({ key: keys.address, read: address, next: ceilingWithout(address.state, reservedAt, now) });
      }
      try {
        return await this.store.swap(changes);
      } catch (error) {
        if (!(error instanceof GuessStateConflict)) throw error;
      }
    }
  }
}
