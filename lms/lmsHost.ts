import type { Knex } from 'knex';
import { hashToken, randomToken } from '../plugin/crypto/tokens.ts';
import { MfaError } from '../plugin/errors.ts';
import { endStoredUserSessions } from '../adapters/express/knexSessionStore.ts';
import type { Host, HostUser, MailMessage, ServiceTokenRecord } from '../plugin/spi/host.ts';
import { listServiceTokens, revokeServiceToken, type ServiceToken, useServiceToken } from './serviceTokens.ts';
import { dummyPasswordHash, type PasswordHashing, SITE_PASSWORD_HASHING } from './passwordHashing.ts';
import { checkPassword, findUserById, findUserByUsername, searchUsers } from './users.ts';

export interface LmsHostOptions {
  siteName: string;
  origin: string;
  sendMail: (message: MailMessage) => Promise<void>;
  /** The hash passwords are checked against and moved to on login. @default SITE_PASSWORD_HASHING */
  passwordHashing?: PasswordHashing;
  /** The operator's log (a rehash that could not be stored). @default console.error */
  log?: (line: string) => void;
}

/** The plugin's Host contract over the LMS's own tables. */
export class LmsHost implements Host {
  constructor(
    private readonly db: Knex,
    private readonly options: LmsHostOptions,
  ) {
    // Made now rather than at the first unknown username, which would otherwise take two hashes' time.
    dummyPasswordHash(options.passwordHashing ?? SITE_PASSWORD_HASHING).catch(() => undefined);
  }

  findUserById(id: string) {
    return findUserById(this.db, id);
  }
  findUserByUsername(username: string) {
    return findUserByUsername(this.db, username);
  }
  searchUsers(text: string, limit: number) {
    return searchUsers(this.db, text, limit);
  }
  checkPassword(username: string, password: string) {
    return checkPassword(this.db, username, password, { passwordHashing: this.options.passwordHashing, log: this.options.log });
  }

  async serviceEnabled(shortname: string): Promise<boolean> {
    return Boolean(await this.db('lms_external_services').where({ shortname, enabled: true }).first('id'));
  }

  /**
   * The site's own tokens for its token endpoint (login/token.php) and the app's browser
   * sign-in: not part of the plugin's Host contract, which never issues one. A new token per
   * call: only hashes are stored, so an earlier token cannot be handed out again.
   */
  async issueServiceToken(user: HostUser, serviceShortname: string): Promise<ServiceToken> {
    const service = await this.db('lms_external_services').where({ shortname: serviceShortname, enabled: true }).first('id');
    if (!service) throw new MfaError('NOT_FOUND', "Web service is not available (it doesn't exist or might be disabled)");
    const token = randomToken(24);
    const privatetoken = randomToken(48);
    await this.db('lms_external_tokens').insert({
      user_id: Number(user.id),
      service_id: service.id,
      token_hash: hashToken(token),
      private_token_hash: hashToken(privatetoken),
      created_at: Date.now(),
    });
    return { token, privatetoken };
  }

  listServiceTokens(user: HostUser): Promise<ServiceTokenRecord[]> {
    return listServiceTokens(this.db, user.id, Date.now());
  }
  revokeServiceToken(user: HostUser, id: string): Promise<boolean> {
    return revokeServiceToken(this.db, user.id, id, Date.now());
  }
  /** Who a web service token (Moodle's `wstoken`) belongs to; null once it is revoked. */
  useServiceToken(token: string) {
    return useServiceToken(this.db, token, Date.now());
  }

  /** The user's rows in `lms_sessions` go: the store finds no session for those cookies any more. */
  endUserSessions(userId: string, options: { except?: string } = {}): Promise<number> {
    return endStoredUserSessions(this.db, userId, options);
  }

  sendMail(message: MailMessage) {
    return this.options.sendMail(message);
  }
  siteName() {
    return this.options.siteName;
  }
  siteOrigin() {
    return this.options.origin;
  }
}
