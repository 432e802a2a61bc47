import type { Host, HostUser, MailMessage, ServiceToken } from '../spi/host.ts';
import { MfaError } from '../errors.ts';
import type { BridgeUsers } from './bridgeUsers.ts';

export interface BridgeHostOptions {
  users: BridgeUsers;
  siteName: string;
  siteOrigin: string;
  /** The site's mailer: codes and security mails to bridge users go out as the site's own. */
  sendMail(message: MailMessage): Promise<void>;
}

/**
 * The bridge's own Host: its users are the platforms' users (bridgeUsers.ts). The
 * platform checked their password and issues their tokens, so those parts refuse here;
 * the engine only finds users, mails them and names the site.
 */
export class BridgeHost implements Host {
  constructor(private readonly options: BridgeHostOptions) {}

  findUserById(id: string): Promise<HostUser | null> {
    return this.options.users.findById(id);
  }
  /** `<platform>:<username>`: a bare name could be the same person's on two platforms. */
  findUserByUsername(username: string): Promise<HostUser | null> {
    return this.options.users.findByQualifiedName(username);
  }
  async checkPassword(): Promise<HostUser | null> {
    return null;
  }
  async issueServiceToken(): Promise<ServiceToken> {
    throw new MfaError('FORBIDDEN', 'Users of another platform get their tokens from that platform.');
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
