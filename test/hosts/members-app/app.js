// A members club's Express 5 + Passport 0.7 app (passport-local, express-session's
// MemoryStore, its own `members` table keyed `member_id`, a serializeUser that keeps
// `member_id`) that adds MFA by following docs/add-to-your-app.md and nothing else: every
// mfa-bridge call here is one the guide documents. Plain JavaScript, as a stranger writes it.
import { createServer } from 'node:http';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { createMfaPlugin, isMfaError, migratePlugin } from 'mfa-bridge';
import { csrfProtection, csrfToken, errorHandler, mfaBrowserScript, qrCodeSvg, requireRecentMfa, sessionCaller } from 'mfa-bridge/express';
import { secondFactorChoices, secondFactorSetup, sendSecondFactorCode, startSecondFactor, useMfaStrategies } from 'mfa-bridge/passport';
import { membersHost } from './host.js';
import { checkMemberPassword, createMembersTable, findMember } from './members.js';

/**
 * Starts the club's site on a free port of 127.0.0.1, seen as http://localhost:<port> (a
 * security key's origin). `now` is the plugin's clock (createMfaPlugin's documented option).
 */
export async function startMembersApp({ db, secretKey, sessionSecret, smtp, now }) {
  await createMembersTable(db);
  const listener = createServer();
  await new Promise((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const origin = `http://localhost:${listener.address().port}`;

  // The club's own Passport set-up: a member logs in with their handle; the session keeps member_id.
  const clubPassport = new passport.Passport();
  clubPassport.use(new LocalStrategy(async (handle, password, done) => done(null, (await checkMemberPassword(db, handle, password)) ?? false)));
  clubPassport.serializeUser((member, done) => done(null, member.member_id));
  clubPassport.deserializeUser(async (memberId, done) => done(null, (await findMember(db, memberId)) ?? false));

  await migratePlugin(db);
  const mfa = createMfaPlugin({ db, host: membersHost(db, { siteName: 'Members club', origin: () => origin, smtp }), secretKey, now });
  useMfaStrategies(clubPassport, mfa);

  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(session({ secret: sessionSecret, resave: false, saveUninitialized: false, cookie: { httpOnly: true, sameSite: 'lax' } }));
  app.use(clubPassport.session());
  app.use(csrfProtection({ siteName: 'Members club' }));
  app.get('/mfa-bridge-browser.js', mfaBrowserScript());

  const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const page = (title, body) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1>${body}<script type="module" src="/mfa-bridge-browser.js"></script></body></html>`;
  const hidden = (fields) => Object.entries(fields).map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`).join('');
  const form = (req, action, fields, button, attributes = '') =>
    `<form method="post" action="${escape(action)}"${attributes}>${hidden({ _csrf: csrfToken(req) })}${fields}<button type="submit">${escape(button)}</button></form>`;
  /** A security key form for the browser helper: it fetches `optionsUrl`, asks the key, fills `response` (and `setupId`) and submits. */
  const keyForm = (req, { ceremony, action, optionsUrl, factor, label, button }) =>
    `<form method="post" action="${escape(action)}" data-mfa-key="${ceremony}" data-options-url="${escape(optionsUrl)}" id="key-${ceremony}">${hidden({ _csrf: csrfToken(req), factor, setupId: '', response: '' })}${label ? '<input name="label" id="key-label" value="Security key">' : ''}<button type="button" data-start>${escape(button)}</button><p data-status role="alert" hidden></p></form>`;
  const takeMessages = (req) => {
    const messages = req.session.messages ?? [];
    if (messages.length > 0) req.session.messages = [];
    return messages.map((m) => `<p role="alert">${escape(m)}</p>`).join('');
  };
  const wantsJson = (req) => req.accepts(['html', 'json']) === 'json';

  app.get('/', (req, res) => {
    if (!req.user) return res.redirect('/login');
    res.send(page(`Welcome, ${req.user.display_name}`, `<p id="member">member ${escape(req.user.member_id)}</p><p><a href="/account/mfa">Sign-in security</a></p>${form(req, '/logout', '', 'Log out')}`));
  });

  app.get('/login', (req, res) => {
    res.send(page('Log in', `${takeMessages(req)}${form(req, '/login', '<input name="username" autocomplete="username"> <input name="password" type="password" autocomplete="current-password">', 'Log in')}`));
  });

  // The password, then the second factor (the guide's "The Passport login").
  app.post('/login', clubPassport.authenticate('local', { session: false, failureRedirect: '/login', failureMessage: true }), async (req, res, next) => {
    const start = await startSecondFactor(mfa, req, String(req.user.member_id));
    if (!start.required) return req.login(req.user, (error) => (error ? next(error) : res.redirect('/')));
    res.redirect(start.setupRequired ? '/login/setup' : '/login/mfa');
  });

  app.get('/login/mfa', async (req, res) => {
    const choices = (await secondFactorChoices(mfa, req)).filter((c) => !c.locked);
    if (choices.length === 0) return res.redirect('/login');
    const forms = choices.map((c) => {
      const factor = hidden({ factor: c.factorId });
      if (c.prompt === 'browser') return keyForm(req, { ceremony: 'sign-in', action: '/login/mfa', optionsUrl: '/login/mfa/send', factor: c.factorId, button: `Use ${c.displayName}` });
      const send = c.sendsChallenge ? form(req, '/login/mfa/send', factor, `Email me a code`, ` id="send-${c.factorId}"`) : '';
      return `<section><h2>${escape(c.displayName)}</h2>${send}${form(req, '/login/mfa', `${factor}<input name="code" autocomplete="one-time-code">`, 'Verify', ` id="answer-${c.factorId}"`)}</section>`;
    });
    res.send(page('Verify it’s you', `${takeMessages(req)}${forms.join('')}`));
  });

  app.post('/login/mfa', async (req, res, next) => {
    const choice = (await secondFactorChoices(mfa, req)).find((c) => c.factorId === req.body.factor && !c.locked);
    if (!choice) return res.redirect('/login/mfa');
    clubPassport.authenticate(choice.strategy, { successReturnToOrRedirect: '/', failureRedirect: '/login/mfa', failureMessage: true })(req, res, next);
  });

  // An email code is sent first; a security key's options come from here too (the browser helper asks for JSON).
  app.post('/login/mfa/send', async (req, res) => {
    try {
      const sent = await sendSecondFactorCode(mfa, req, req.body.factor);
      if (wantsJson(req)) return res.json(sent.result);
      req.session.messages = [sent.message ?? 'Sent.'];
    } catch (error) {
      if (!isMfaError(error) || wantsJson(req)) throw error;
      req.session.messages = [error.message];
    }
    res.redirect('/login/mfa');
  });

  app.post('/logout', (req, res, next) => req.logout((error) => (error ? next(error) : res.redirect('/login'))));

  // Setting factors up on the club's own page, behind the recent-pass guard.
  const signedIn = (req, res, next) => (req.user ? next() : res.redirect('/login'));
  const recentPass = requireRecentMfa(mfa, { verifyPath: '/login/mfa', returnTo: '/account/mfa' });

  /** The page of a set-up just begun, by factor: its key as a QR code, where the code went, the codes to keep. */
  async function setupPage(req, factor, setup, action) {
    const carry = hidden({ factor, setupId: setup.setupId });
    const codeForm = (button) => form(req, action, `${carry}<input name="code" autocomplete="one-time-code">`, button, ' id="confirm"');
    if (setup.otpauthUri) {
      return page('Scan the key', `<div role="img" aria-label="QR code of your key" id="qr">${await qrCodeSvg(setup.otpauthUri)}</div><p>Or type it: <code id="secret">${escape(setup.secret)}</code></p>${codeForm('Turn on')}`);
    }
    if (setup.codes) return page('Keep these codes', `<ol id="codes">${setup.codes.map((code) => `<li><code>${escape(code)}</code></li>`).join('')}</ol>${form(req, action, carry, 'I have saved these codes', ' id="confirm"')}`);
    return page('Check your mail', `<p id="sent">We sent a code to ${escape(setup.sentTo)}.</p>${codeForm('Turn on')}`);
  }

  app.get('/account/mfa', signedIn, async (req, res) => {
    const caller = await sessionCaller(mfa, req);
    const devices = (await mfa.enrolment.devices(caller.user)).map((d) => `<li data-factor="${escape(d.factor)}">${escape(d.label)}</li>`).join('');
    const start = (factor, button) => form(req, `/account/mfa/${factor}`, '', button, ` id="setup-${factor}"`);
    res.send(page('Sign-in security', `${takeMessages(req)}<ul id="devices">${devices}</ul>${start('totp', 'Set up an authenticator app')}${start('email', 'Turn on email codes')}${start('recovery_codes', 'Get recovery codes')}${keyForm(req, { ceremony: 'set-up', action: '/account/mfa/webauthn/confirm', optionsUrl: '/account/mfa/webauthn', factor: 'webauthn', label: true, button: 'Add a security key' })}`));
  });

  app.post('/account/mfa/:factor', signedIn, recentPass, async (req, res) => {
    const setup = await mfa.account.beginSetup(await sessionCaller(mfa, req), req.params.factor, { label: req.body.label });
    res.set('Cache-Control', 'no-store');
    if (wantsJson(req)) return res.json(setup);
    res.send(await setupPage(req, req.params.factor, setup, `/account/mfa/${req.params.factor}/confirm`));
  });

  app.post('/account/mfa/:factor/confirm', signedIn, recentPass, async (req, res) => {
    const { setupId, code, response, label } = req.body;
    try {
      await mfa.account.confirmSetup(await sessionCaller(mfa, req), req.params.factor, { setupId, code, response, label });
      res.redirect('/account/mfa');
    } catch (error) {
      if (!isMfaError(error)) throw error;
      res.status(400).send(page('Not turned on', `<p role="alert">${escape(error.message)}</p><p><a href="/account/mfa">Try again</a></p>`));
    }
  });

  // Set-up required: a member with nothing set up sets a factor up, and that passes the login.
  app.get('/login/setup', async (req, res) => {
    const choices = await secondFactorSetup(mfa, req);
    if (choices.length === 0) return res.redirect('/login');
    const forms = choices.map((c) =>
      c.prompt === 'browser'
        ? keyForm(req, { ceremony: 'set-up', action: '/login/setup', optionsUrl: '/login/setup/webauthn', factor: c.factorId, label: true, button: `Add ${c.displayName}` })
        : form(req, `/login/setup/${c.factorId}`, '', `Set up ${c.displayName}`, ` id="setup-${c.factorId}"`),
    );
    res.send(page('Set up a second factor', `${takeMessages(req)}${forms.join('')}`));
  });

  app.post('/login/setup/:factor', async (req, res) => {
    const setup = await mfa.account.beginSetup(await sessionCaller(mfa, req), req.params.factor, { label: req.body.label });
    res.set('Cache-Control', 'no-store');
    if (wantsJson(req)) return res.json(setup);
    res.send(await setupPage(req, req.params.factor, setup, '/login/setup'));
  });

  app.post('/login/setup', async (req, res, next) => {
    const choice = (await secondFactorSetup(mfa, req)).find((c) => c.factorId === req.body.factor);
    if (!choice) return res.redirect('/login');
    clubPassport.authenticate(choice.strategy, { successRedirect: '/', failureRedirect: '/login/setup', failureMessage: true })(req, res, next);
  });

  app.use(errorHandler());
  listener.on('request', app);

  return {
    origin,
    mfa,
    close: () =>
      new Promise((resolve) => {
        listener.close(() => resolve());
        listener.closeAllConnections();
      }),
  };
}
