// mfa-bridge's Host contract over the club's members: what the plugin knows of them.
import nodemailer from 'nodemailer';
import { checkMemberPassword, findMember } from './members.js';

const toHostUser = (member) => member && { id: String(member.member_id), username: member.handle, email: member.email, suspended: false, isAdmin: false };

export function membersHost(db, { siteName, origin, smtp }) {
  const mailer = nodemailer.createTransport({ host: smtp.host, port: smtp.port, secure: false, ignoreTLS: true });
  return {
    findUserById: async (id) => toHostUser(await findMember(db, id)),
    findUserByUsername: async (username) => toHostUser(await db('members').where({ handle: username }).first()),
    checkPassword: async (username, password) => toHostUser(await checkMemberPassword(db, username, password)),
    sendMail: async (message) => {
      await mailer.sendMail({ from: `${siteName} <club@localhost>`, ...message });
    },
    siteName: () => siteName,
    siteOrigin: () => origin(),
  };
}
