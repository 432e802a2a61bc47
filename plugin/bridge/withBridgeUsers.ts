import type { Knex } from 'knex';
import type { Host } from '../spi/host.ts';
import { BRIDGE_USER_ID_PREFIX, BridgeUsers } from './bridgeUsers.ts';

type UserLookup = Pick<Host, 'findUserByUsername' | 'findUserById'>;

/**
 * A host's user look-ups that also find the bridge's users: by plugin id (`bridge-7`) and
 * by `<platform>:<username>` (`keycloak:ada`) when the host has no user of that name. So
 * the admin tools (`mfa unlock`, `mfa reset`) work for a platform's users on any host.
 */
export function withBridgeUsers<T extends UserLookup>(host: T, db: Knex, now: () => number = Date.now): T {
  const users = new BridgeUsers(db, now);
  const findUserById = async (id: string) => (id.startsWith(BRIDGE_USER_ID_PREFIX) ? users.findById(id) : host.findUserById(id));
  const findUserByUsername = async (name: string) => {
    const found = (await host.findUserByUsername(name)) ?? (await users.findByQualifiedName(name));
    // `keycloak:ada` matched to the site's ada is the site's ada: one set of factors and one lockout.
    return found && 'siteUserId' in found && typeof found.siteUserId === 'string' ? host.findUserById(found.siteUserId) : found;
  };
  // A Proxy, not a spread: a host may be a class instance whose methods live on its prototype.
  return new Proxy(host, {
    get(target, property) {
      if (property === 'findUserById') return findUserById;
      if (property === 'findUserByUsername') return findUserByUsername;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
