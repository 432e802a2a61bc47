import type { Knex } from 'knex';
import type { AuditLog } from '../audit/auditLog.ts';
import { keyedHash } from '../crypto/keyedHash.ts';
import type { KeyRing } from '../crypto/keyRing.ts';
import type { SecretBox } from '../crypto/secretBox.ts';
import { MfaError } from '../errors.ts';
import type { SettingsSnapshot } from '../settings/settingsStore.ts';
import type { FactorContext, FactorProvider, FactorProviderFactory } from '../spi/factor.ts';
import type { Host } from '../spi/host.ts';

export interface FactorRegistryDependencies {
  db: Knex;
  host: Host;
  audit: AuditLog;
  secretBox: SecretBox;
  /** The master keys; factors get only purpose-bound hashes of them (FactorContext.keyedHash), never a key. */
  keys: KeyRing;
  now: () => number;
}

/** The registered factor types, and providers for them bound to one settings snapshot. */
export class FactorRegistry {
  private readonly factories: ReadonlyMap<string, FactorProviderFactory>;

  constructor(
    factories: readonly FactorProviderFactory[],
    private readonly deps: FactorRegistryDependencies,
  ) {
    this.factories = new Map(factories.map((f) => [f.id, f]));
  }

  /** The host the factors serve: the doors look users up through it. */
  get host(): Host {
    return this.deps.host;
  }

  all(): FactorProviderFactory[] {
    return [...this.factories.values()];
  }

  /** Factors the admin has switched on, in registration order. */
  enabled(settings: SettingsSnapshot): FactorProviderFactory[] {
    return this.all().filter((f) => settings.boolean(`factor.${f.id}.enabled`));
  }

  factory(id: string): FactorProviderFactory {
    const factory = this.factories.get(id);
    if (!factory) throw new MfaError('FACTOR_NOT_AVAILABLE', `There is no factor "${id}".`);
    return factory;
  }

  /** An enabled factor's factory, or FACTOR_NOT_AVAILABLE. */
  enabledFactory(id: string, settings: SettingsSnapshot): FactorProviderFactory {
    const factory = this.factories.get(id);
    if (!factory || !settings.boolean(`factor.${id}.enabled`)) {
      throw new MfaError('FACTOR_NOT_AVAILABLE', 'That way of verifying is not available on this site. Choose another.');
    }
    return factory;
  }

  context(settings: SettingsSnapshot): FactorContext {
    const { keys, ...shared } = this.deps;
    return { ...shared, settings, keyedHash: (purpose) => keyedHash(keys, `factor/${purpose}`) };
  }

  provider(factory: FactorProviderFactory, settings: SettingsSnapshot): FactorProvider {
    return factory.create(this.context(settings));
  }
}
