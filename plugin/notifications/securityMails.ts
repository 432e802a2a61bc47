import type { FactorMailText } from '../spi/factor.ts';
import type { HostUser, MailMessage } from '../spi/host.ts';

/** The facts every security mail states: what happened, when, from where. */
export interface SecurityMailFacts {
  user: HostUser;
  siteName: string;
  at: number;
  ip: string | null | undefined;
  /** "Firefox on Linux", when known. */
  browser?: string;
}

function utc(at: number): string {
  return new Date(at).toUTCString().replace('GMT', 'UTC');
}

/**
 * The one shape of every security mail (as the recovery-code mail): what happened,
 * when and from where, what to do if it was you, and what to do if it was not.
 * Plain text only, and never a code, secret or link to click: a mail that asks you to
 * click is what a phishing mail looks like, so we tell the user where to go instead.
 */
function securityMail(facts: SecurityMailFacts, parts: { subject: string; happened: string; ifYou: string; ifNotYou: string }): MailMessage {
  const text = [
    `Hello ${facts.user.username},`,
    '',
    parts.happened,
    '',
    `  When:    ${utc(facts.at)}`,
    `  From IP: ${facts.ip ?? 'unknown'}`,
    ...(facts.browser ? [`  Browser: ${facts.browser}`] : []),
    '',
    parts.ifYou,
    `If this wasn't you: ${parts.ifNotYou}`,
  ].join('\n');
  return { to: facts.user.email, subject: `${parts.subject} on ${facts.siteName}`, text };
}

const CHANGE_PASSWORD = 'someone may know your password. Change it now, check the ways to verify on your security page, and tell your administrator.';

/**
 * "X added": the generic words, or the factor's own (`FactorProviderFactory.addedMail`)
 * where those would mislead (a new set of recovery codes replaces the old one).
 */
export function factorAddedMail(facts: SecurityMailFacts, factor: { name: string; label?: string; mail?: FactorMailText }): MailMessage {
  if (factor.mail) {
    return securityMail(facts, {
      subject: factor.mail.subject,
      happened: factor.mail.happened.replaceAll('{site}', facts.siteName),
      ifYou: factor.mail.ifYou,
      ifNotYou: CHANGE_PASSWORD,
    });
  }
  return securityMail(facts, {
    subject: `${factor.name} added`,
    happened: `A new way to verify it's you was added to your account on ${facts.siteName}: ${factor.name}${factor.label ? ` ("${factor.label}")` : ''}.`,
    ifYou: 'If this was you, nothing else to do.',
    ifNotYou: `someone may be able to log in as you. Change your password now, remove this ${factor.name.toLowerCase()} from your security page, and tell your administrator.`,
  });
}

export function factorRemovedMail(facts: SecurityMailFacts, factor: { name: string }): MailMessage {
  return securityMail(facts, {
    subject: `${factor.name} removed`,
    happened: `A way to verify it's you was removed from your account on ${facts.siteName}: ${factor.name}.`,
    ifYou: 'If this was you, nothing else to do.',
    ifNotYou: CHANGE_PASSWORD,
  });
}

export function factorResetMail(facts: SecurityMailFacts, factor: { name: string | null }): MailMessage {
  const what = factor.name ? `your ${factor.name.toLowerCase()}` : 'all your ways to verify it\'s you (and your trusted browsers)';
  return securityMail(facts, {
    subject: 'An administrator reset your sign-in settings',
    happened: `An administrator of ${facts.siteName} reset ${what}. You can set it up again from your security page after you log in.`,
    ifYou: 'If you asked for this (for example after losing your phone), nothing else to do.',
    ifNotYou: 'you did not ask for it: contact your administrator now.',
  });
}

/** A login someone said was not theirs was stopped (a mail's "This wasn't me", Deny on a push). */
export function notMeReportedMail(facts: SecurityMailFacts, report: { stopped: boolean; factor: string }): MailMessage {
  return securityMail(facts, {
    subject: 'A login was reported as not yours',
    happened: `A login to your account on ${facts.siteName} was reported as not yours (${report.factor}). ${report.stopped ? 'It was stopped' : 'It had already ended'}, and your account was signed out everywhere.`,
    ifYou: 'If you reported it: change your password now, because whoever started the login knows it.',
    ifNotYou: CHANGE_PASSWORD,
  });
}

export function totpCodeReusedMail(facts: SecurityMailFacts): MailMessage {
  return securityMail(facts, {
    subject: 'An authenticator code was used twice',
    happened: `A code from your authenticator app was entered on ${facts.siteName} after it had already been used. It was refused: each code works once.`,
    ifYou: 'If this was you (say, the form was sent twice), nothing else to do.',
    ifNotYou: 'someone may have your password and have seen one of your codes. Change your password now and tell your administrator.',
  });
}

export function newSignInMail(facts: SecurityMailFacts): MailMessage {
  return securityMail(facts, {
    subject: 'New sign-in',
    happened: `Your account on ${facts.siteName} was signed in to from a browser or network it has not been signed in from before.`,
    ifYou: 'If this was you, nothing else to do.',
    ifNotYou: `someone has your password and passed your second step. Change your password now, remove any way to verify you don't recognise from your security page, and tell your administrator.`,
  });
}

export function identityTokenCreatedMail(facts: SecurityMailFacts, token: { name: string; expiresAt: number | null }): MailMessage {
  return securityMail(facts, {
    subject: 'A token for scripts was made',
    happened: `An identity token named "${token.name}" was made for your account on ${facts.siteName}. A program holding it can use your account without your password or a second factor${token.expiresAt === null ? ', until it is revoked' : `, until ${utc(token.expiresAt)}`}.`,
    ifYou: 'If this was you, keep the token where only that program can read it.',
    ifNotYou: 'revoke it now under "Tokens for scripts and apps" on your security page, change your password, and tell your administrator.',
  });
}
