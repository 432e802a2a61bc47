import { MfaError } from '../errors.ts';
import type { Host, HostUser } from '../spi/host.ts';
import type { UserSource } from './bridgeClients.ts';
import type { BridgeUsers, PlatformUser } from './bridgeUsers.ts';

/** The site's own user look-ups (the LMS's Host), for clients whose users are the site's. */
export type SiteUserLookup = Pick<Host, 'findUserById' | 'findUserByUsername'>;

const sameAddress = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * Who a platform's user is to the engine. For a client whose users are the site's (a
 * Keycloak over the LMS's directory), the site's user of the same username, so the factors
 * they set up on the site, its lockout and its audit are theirs in Keycloak too; otherwise
 * (and for names the site does not know) the platform's own user, provisioned on first sight.
 */
export class PlatformUsers {
  constructor(
    private readonly users: BridgeUsers,
    private readonly site: SiteUserLookup | null,
  ) {}

  async resolve(user: PlatformUser, source: UserSource): Promise<HostUser> {
    const siteUser = source === 'site' ? await this.matchingSiteUser(user) : null;
    const own = await this.users.provision(user, siteUser?.id ?? null);
    return siteUser ?? own;
  }

  /** By the platform's id alone (set-up confirm): the person `resolve` found last, or null. */
  async known(platform: string, platformUserId: string): Promise<HostUser | null> {
    const own = await this.users.findByPlatformId(platform, platformUserId);
    if (!own || own.siteUserId === null) return own;
    return (await this.site?.findUserById(own.siteUserId)) ?? null;
  }

  /**
   * The site's user of exactly that username, when the email addresses agree too and the
   * platform has verified its address: a platform that lets people pick their username (or
   * type any address) must not land one on another's factors and lockout.
   */
  private async matchingSiteUser(user: PlatformUser): Promise<HostUser | null> {
    if (!this.site) throw new MfaError('CONFIGURATION', 'This client\'s users are the site\'s, but the bridge was built without the site\'s users (createBridge siteUsers).');
    const found = await this.site.findUserByUsername(user.username);
    // Byte for byte: a host's look-up may trim, fold case or compare under a collation that
    // folds "alıce" and "alice " into "alice"; those are other names, so nobody of the site's.
    if (!found || found.username !== user.username) return null;
    if (!user.emailVerified) {
      throw new MfaError('FORBIDDEN', `The platform has not verified the email address of "${user.username}", so they are not taken for the site's user of that name: verify the address on the platform (Keycloak: Email verified), then sign in again.`);
    }
    if (!sameAddress(found.email, user.email)) {
      throw new MfaError('FORBIDDEN', `The site's user "${user.username}" has another email address than the platform's, so they are not taken for the same person: make the two addresses the same.`);
    }
    // Suspended on the site is suspended everywhere the site's users sign in.
    if (found.suspended) throw new MfaError('FORBIDDEN', `The site's user "${user.username}" is suspended: they cannot sign in until an administrator reinstates them.`);
    return found;
  }
}
