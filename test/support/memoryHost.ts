import type { Host, HostUser, MailMessage } from '../../plugin/spi/host.ts';

/**
 * The Host contract held in memory, for the plugin's own tests: the host is what lies
 * outside the plugin, so these tests pin the plugin alone. The real host (the LMS
 * site, over its database) is exercised by the HTTP and browser suites.
 */
export class MemoryHost implements Host {
  readonly users = new Map<string, HostUser & { password: string }>();
  readonly mail: MailMessage[] = [];
  private nextId = 1;

  addUser(username: string, password = 'correct horse battery'): HostUser {
    const user = { id: String(this.nextId++), username, email: `${username}@example.test`, suspended: false, isAdmin: false, password };
    this.users.set(user.id, user);
    return user;
  }
  async findUserById(id: string) {
    return this.users.get(id) ?? null;
  }
  async findUserByUsername(username: string) {
    return [...this.users.values()].find((u) => u.username === username) ?? null;
  }
  async checkPassword(username: string, password: string) {
    const user = await this.findUserByUsername(username);
    return user && user.password === password && !user.suspended ? user : null;
  }
  /** While on, every mail fails as a mail server that is down would make it fail. */
  mailDown = false;
  async sendMail(message: MailMessage) {
    if (this.mailDown) throw Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:25 (to ${message.to})`), { code: 'ECONNREFUSED' });
    this.mail.push(message);
  }
  siteName() {
    return 'Test Site';
  }
  siteOrigin() {
    return 'http://localhost';
  }
}
