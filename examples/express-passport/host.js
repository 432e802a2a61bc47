// mfa-bridge's Host contract over this app's users: the only thing the plugin knows of them
// (docs/add-to-your-app.md, "The Host contract").
import { checkPassword } from './users.js';

const toHostUser = (row) => row && { id: String(row.id), username: row.username, email: row.email, suspended: false, isAdmin: false };

export function appHost(db, { siteName, origin }) {
  return {
    findUserById: async (id) => toHostUser(await db('users').where({ id: Number(id) }).first()),
    findUserByUsername: async (username) => toHostUser(await db('users').where({ username }).first()),
    checkPassword: async (username, password) => toHostUser(await checkPassword(db, username, password)),
    // This example sends no mail (so email codes cannot be turned on here): a real app hands the message to its mailer.
    sendMail: async (message) => {
      throw new Error(`No mailer configured; a mail to ${message.to} was not sent.`);
    },
    siteName: () => siteName,
    siteOrigin: () => origin,
  };
}
