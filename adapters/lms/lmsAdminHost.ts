import type { Knex } from 'knex';
import type { AdminHostActions } from '../../plugin/admin/index.ts';
import { endStoredUserSessions } from '../express/knexSessionStore.ts';
import { listServiceTokens, revokeServiceToken } from './serviceTokens.ts';
import { findUserById } from './users.ts';

/**
 * The LMS's part of an admin action over the bare database (the command line has no
 * mailer and no site): its browser sessions and its app tokens, as LmsHost does them.
 */
export function lmsAdminHost(db: Knex): AdminHostActions {
  return {
    findUserById: (id) => findUserById(db, id),
    endUserSessions: (userId, options) => endStoredUserSessions(db, userId, options),
    listServiceTokens: (user) => listServiceTokens(db, user.id, Date.now()),
    revokeServiceToken: (user, id) => revokeServiceToken(db, user.id, id, Date.now()),
  };
}
