import type { Knex } from 'knex';
import type { AuditLog } from '../audit/auditLog.ts';
import { keyedHash } from '../crypto/keyedHash.ts';
import type { KeyRing } from '../crypto/keyRing.ts';
import type { UserSessions } from '../credentials/userSessions.ts';
import type { SecretBox } from '../crypto/secretBox.ts';
import { MfaError } from '../errors.ts';
import type { SettingsSnapshot } from '../settings/settingsStore.ts';
import type { AnyFactorProviderFactory, RequestFacts, FactorContext, FactorInput, FactorProvider, FactorProviderFactory, OwnTables } from '../spi/factor.ts';
import type { Host } from '../spi/host.ts';
import { ENGINE_TABLES } from '../store/engineTables.ts';
import { FactorAttemptStates } from '../store/factorStorage/factorAttemptStates.ts';
import { FactorLimitStore } from '../store/factorStorage/factorLimitStore.ts';
import { FactorRecordStore } from '../store/factorStorage/factorRecordStore.ts';
import { ownTablesFor } from '../store/factorStorage/ownTables.ts';
import { RateLimits } from '../store/rateLimits.ts';
import { recordSecretContext } from '../store/factorStorage/sealedFactorSecrets.ts';
import type { AttemptStore } from './attemptStore.ts';
import { factorLoginsFor } from './factorLogins.ts';

export interface FactorRegistryDependencies {
  db: Knex;
  host: Host;
  audit: AuditLog;
  secretBox: SecretBox;
  /** The master keys; factors get only purpose-bound hashes of them (FactorContext.keyedHash), never a key. */
  keys: KeyRing;
  attempts: AttemptStore;
  sessions: UserSessions;
  /** engine.verify, for an answer a factor receives away from the login's client (a phone's wrong number): FactorLogins.verify. */
  verifyAnswer(attemptId: string, factorId: string, input: Record<string, unknown>, facts: RequestFacts): Promise<unknown>;
  now: () => number;
}

/** Factor contexts for one settings snapshot, for code outside a factor that calls a factor's own helpers (a door's "This wasn't me" page). */
export interface FactorSite {
  host: Host;
  settings: SettingsSnapshot;
  /** The context the factor `id` gets: its storage, its own tables. */
  forFactor(id: string): FactorContext;
}

/**
 * Phishing-resistant factors first (security keys, push with number matching: DESIGN.md
 * "offered first"), the rest in registration order. Array.prototype.sort is stable.
 */
export function phishingResistantFirst<T extends { capabilities: { phishingResistant: boolean } }>(factors: readonly T[]): T[] {
  return [...factors].sort((a, b) => Number(b.capabilities.phishingResistant) - Number(a.capabilities.phishingResistant));
}

/** The registered factor types, and providers for them bound to one settings snapshot. */
export class FactorRegistry {
  private readonly factories: ReadonlyMap<string, AnyFactorProviderFactory>;

  constructor(
    factories: readonly AnyFactorProviderFactory[],
    private readonly deps: FactorRegistryDependencies,
  ) {
    this.factories = new Map(factories.map((f) => [f.id, f]));
  }

  /** The host the factors serve: the doors look users up through it. */
  get host(): Host {
    return this.deps.host;
  }

  /** Every registered factor, in registration order. */
  all(): AnyFactorProviderFactory[] {
    return [...this.factories.values()];
  }

  /** Factors the admin has switched on, in registration order. */
  enabled(settings: SettingsSnapshot): AnyFactorProviderFactory[] {
    return this.all().filter((f) => settings.boolean(`factor.${f.id}.enabled`));
  }

  /** Enabled factors in the order they are offered to people: phishing-resistant first. */
  offered(settings: SettingsSnapshot): AnyFactorProviderFactory[] {
    return phishingResistantFirst(this.enabled(settings));
  }

  factory(id: string): AnyFactorProviderFactory {
    const factory = this.factories.get(id);
    if (!factory) throw new MfaError('FACTOR_NOT_AVAILABLE', `There is no factor "${id}".`);
    return factory;
  }

  /** An enabled factor's factory, or FACTOR_NOT_AVAILABLE. */
  enabledFactory(id: string, settings: SettingsSnapshot): AnyFactorProviderFactory {
    const factory = this.factories.get(id);
    if (!factory || !settings.boolean(`factor.${id}.enabled`)) {
      throw new MfaError('FACTOR_NOT_AVAILABLE', 'That way of verifying is not available on this site. Choose another.');
    }
    return factory;
  }

  /** What clients keep for the factors and send back (cookies a door reads into RequestFacts.credentials). */
  clientCredentialNames(): readonly string[] {
    return this.all().flatMap((f) => f.clientCredentials ?? []);
  }

  /** The factor's own tables (for the admin tools, which run without a settings snapshot). */
  ownTables(factory: AnyFactorProviderFactory, db: Knex = this.deps.db): OwnTables {
    return ownTablesFor(db, factory.id, factory.tables ?? [], ENGINE_TABLES);
  }

  /** What `factory` gets: storage scoped to it, its own tables, and what every factor shares. */
  contextFor(factory: AnyFactorProviderFactory, settings: SettingsSnapshot): FactorContext {
    const { db, host, audit, secretBox, keys, now } = this.deps;
    return {
      storage: {
        records: new FactorRecordStore(db, factory.id, now),
        attempts: new FactorAttemptStates(db, factory.id, now),
        limits: new FactorLimitStore(new RateLimits(db), factory.id, now),
      },
      logins: factorLoginsFor(factory.id, { verifyAnswer: this.deps.verifyAnswer, attempts: this.deps.attempts, sessions: this.deps.sessions, audit, now }),
      ownTables: this.ownTables(factory),
      host,
      settings,
      secretBox: {
        seal: (userId, plaintext) => secretBox.seal(plaintext, recordSecretContext(factory.id, userId)),
        open: (userId, sealed) => secretBox.open(sealed, recordSecretContext(factory.id, userId)),
      },
      keyedHash: (purpose) => keyedHash(keys, `factor/${purpose}`),
      audit,
      now,
    };
  }

  /** Contexts for code outside the factors (a door calling a factor's exported helper). */
  context(settings: SettingsSnapshot): FactorSite {
    return { host: this.deps.host, settings, forFactor: (id) => this.contextFor(this.factory(id), settings) };
  }

  provider<TSetup extends object, TChallenge extends object, TInput extends FactorInput>(
    factory: FactorProviderFactory<TSetup, TChallenge, TInput>,
    settings: SettingsSnapshot,
  ): FactorProvider<TSetup, TChallenge, TInput> {
    return factory.create(this.contextFor(factory, settings));
  }
}
