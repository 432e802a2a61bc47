import type { Knex } from 'knex';
import type { CliHost } from '../adapters/cli/cliCommand.ts';
import { endStoredUserSessions } from '../adapters/express/knexSessionStore.ts';
import { listServiceTokens, revokeServiceToken } from './serviceTokens.ts';
import { findUserById, findUserByUsername, searchUsers } from './users.ts';

/**
 * The LMS as the command line sees it, over the bare database (no mailer, no site): its
 * users, its browser sessions and its app tokens, as LmsHost does them.
 */
export function lmsAdminHost(db: Knex): CliHost {
  return {
    findUserById: (id) => findUserById(db, id),
    findUserByUsername: (username) => findUserByUsername(db, username),
    searchUsers: (text, limit) => searchUsers(db, text, limit),
    endUserSessions: (userId, options) => endStoredUserSessions(db, userId, options),
    listServiceTokens: (user) => listServiceTokens(db, user.id, Date.now()),
    revokeServiceToken: (user, id) => revokeServiceToken(db, user.id, id, Date.now()),
  };
}
