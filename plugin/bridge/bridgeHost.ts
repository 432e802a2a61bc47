import type { Host, HostUser, MailMessage } from '../spi/host.ts';
import { BRIDGE_USER_ID_PREFIX, type BridgeUsers } from './bridgeUsers.ts';
import type { SiteUserLookup } from './platformUsers.ts';

export interface BridgeHostOptions {
  users: BridgeUsers;
  /** The site's users, met by the engine when a client's users are the site's. */
  siteUsers: SiteUserLookup | null;
  siteName: string;
  siteOrigin: string;
  /** The site's mailer: codes and security mails to bridge users go out as the site's own. */
  sendMail(message: MailMessage): Promise<void>;
}

/**
 * The bridge's own Host: its users are the platforms' users (bridgeUsers.ts), and the
 * site's own for clients whose users are the site's (platformUsers.ts). The
 * platform checks their password (so that part refuses here) and issues their tokens;
 * the engine only finds users, mails them and names the site.
 */
export class BridgeHost implements Host {
  constructor(private readonly options: BridgeHostOptions) {}

  async findUserById(id: string): Promise<HostUser | null> {
    if (id.startsWith(BRIDGE_USER_ID_PREFIX)) return this.options.users.findById(id);
    return (await this.options.siteUsers?.findUserById(id)) ?? null;
  }
  /** `<platform>:<username>`: a bare name could be the same person's on two platforms. */
  findUserByUsername(username: string): Promise<HostUser | null> {
    return this.options.users.findByQualifiedName(username);
  }
  async checkPassword(): Promise<HostUser | null> {
    return null;
  }
  sendMail(message: MailMessage): Promise<void> {
    return this.options.sendMail(message);
  }
  siteName(): string {
    return this.options.siteName;
  }
  siteOrigin(): string {
    return this.options.siteOrigin;
  }
}
