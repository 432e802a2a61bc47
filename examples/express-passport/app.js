// An existing Express + Passport app (passport-local, sessions, its own users table) that
// adds multi-factor authentication with mfa-bridge. Every line mfa-bridge needs sits
// between "mfa-bridge: begin" and "mfa-bridge: end"; docs/add-to-your-app.md shows the same lines.
import express from 'express';
import session from 'express-session';
import knex from 'knex';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { addUser, checkPassword, createUsersTable } from './users.js';
// mfa-bridge: begin (imports)
import { createMfaPlugin, isMfaError, migratePlugin } from 'mfa-bridge';
import { csrfProtection, csrfToken, errorHandler, mfaBrowserScript, qrCodeSvg, requireRecentMfa, sessionCaller } from 'mfa-bridge/express';
import { secondFactorChoices, secondFactorSetup, sendSecondFactorCode, startSecondFactor, useMfaStrategies } from 'mfa-bridge/passport';
import { appHost } from './host.js';
// mfa-bridge: end

const port = Number(process.env.PORT ?? 3000);
const origin = process.env.SITE_ORIGIN ?? `http://localhost:${port}`;
const db = knex({ client: 'better-sqlite3', connection: { filename: process.env.DATABASE_FILE ?? 'example.sqlite' }, useNullAsDefault: true });
await createUsersTable(db);
if (process.env.DEMO_PASSWORD) await addUser(db, { username: 'ada', email: 'ada@example.com', password: process.env.DEMO_PASSWORD });

passport.use(new LocalStrategy(async (username, password, done) => done(null, (await checkPassword(db, username, password)) ?? false)));
passport.serializeUser((user, done) => done(null, String(user.id)));
passport.deserializeUser(async (id, done) => done(null, (await db('users').where({ id: Number(id) }).first()) ?? false));

// mfa-bridge: begin (the plugin)
await migratePlugin(db);
const mfa = createMfaPlugin({ db, host: appHost(db, { siteName: 'Example app', origin }), secretKey: Buffer.from(process.env.MFA_SECRET_KEY ?? '', 'base64') });
useMfaStrategies(passport, mfa); // mfa-totp, mfa-email, mfa-webauthn, mfa-recovery-codes
// mfa-bridge: end

const app = express();
app.use(express.urlencoded({ extended: false }));
app.use(session({ secret: process.env.SESSION_SECRET ?? '', resave: false, saveUninitialized: false, cookie: { httpOnly: true, sameSite: 'lax' } }));
app.use(passport.session());
app.use(csrfProtection({ siteName: 'Example app' })); // every form below carries _csrf

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1>${body}<script type="module" src="/mfa-bridge-browser.js"></script></body></html>`;
const hidden = (fields) => Object.entries(fields).map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`).join('');
const form = (req, action, fields, button, attributes = '') =>
  `<form method="post" action="${escape(action)}"${attributes}>${hidden({ _csrf: csrfToken(req) })}${fields}<button type="submit">${escape(button)}</button></form>`;
// A security key's form, run by the browser helper: it posts the form's fields to data-options-url, asks the key, fills setupId and response, and submits.
const keyForm = (req, { ceremony, action, optionsUrl, factor, button }) =>
  `<form method="post" action="${escape(action)}" data-mfa-key="${ceremony}" data-options-url="${escape(optionsUrl)}">${hidden({ _csrf: csrfToken(req), factor, setupId: '', response: '' })}${ceremony === 'set-up' ? '<input name="label" value="Security key" aria-label="Name of the key">' : ''}<button type="button" data-start>${escape(button)}</button><p data-status role="alert" hidden></p></form>`;
const takeMessages = (req) => {
  const messages = req.session.messages ?? [];
  if (messages.length > 0) req.session.messages = [];
  return messages.map((m) => `<p role="alert">${escape(m)}</p>`).join('');
};

app.get('/', (req, res) => {
  if (!req.user) return res.redirect('/login');
  res.send(page(`Hello ${req.user.username}`, `<p><a href="/account/mfa">Two-step verification</a></p>${form(req, '/logout', '', 'Log out')}`));
});

app.get('/login', (req, res) => {
  // Why a second-factor step sent the user back here: its own words, or (when the session it rode on is gone) ours.
  const ended = req.query.ended ? '<p role="alert">No login is waiting for a second factor: it was finished in another tab or window, or it has ended. Log in again.</p>' : '';
  const notices = `${req.query.error ? '<p role="alert">Wrong username or password.</p>' : ''}${takeMessages(req) || ended}`;
  res.send(page('Log in', `${notices}${form(req, '/login', '<input name="username" autocomplete="username"> <input name="password" type="password" autocomplete="current-password">', 'Log in')}`));
});

// mfa-bridge: begin (login: the password, then the second factor)
app.post('/login', passport.authenticate('local', { session: false, failureRedirect: '/login?error=1' }), async (req, res, next) => {
  const start = await startSecondFactor(mfa, req, String(req.user.id));
  if (!start.required) return req.login(req.user, (error) => (error ? next(error) : res.redirect('/')));
  res.redirect(start.setupRequired ? '/login/setup' : '/login/mfa');
});

app.post('/login/mfa', async (req, res, next) => {
  const choice = (await secondFactorChoices(mfa, req)).find((c) => c.factorId === req.body.factor && !c.locked);
  if (!choice) return res.redirect('/login/mfa'); // it shows what is left, or sends to the login saying why
  passport.authenticate(choice.strategy, { successReturnToOrRedirect: '/', failureRedirect: '/login/mfa', failureMessage: true })(req, res, next);
});
// mfa-bridge: end

// mfa-bridge: begin (second factor: send an email code, a security key's options, the browser helper)
app.post('/login/mfa/send', async (req, res) => {
  const json = req.accepts(['html', 'json']) === 'json'; // the browser helper asks for JSON
  try {
    const sent = await sendSecondFactorCode(mfa, req, req.body.factor);
    if (json) return res.json(sent.result);
    req.session.messages = [sent.message];
  } catch (error) {
    if (!isMfaError(error) || json) throw error;
    req.session.messages = [error.message]; // e.g. "A code was sent a moment ago; ... ask for a new one in 25 seconds."
  }
  res.redirect('/login/mfa');
});

app.get('/mfa-bridge-browser.js', mfaBrowserScript());
// mfa-bridge: end

app.get('/login/mfa', async (req, res) => {
  const choices = (await secondFactorChoices(mfa, req)).filter((c) => !c.locked);
  if (choices.length === 0) return res.redirect('/login?ended=1');
  const forms = choices.map((c) => {
    if (c.prompt === 'browser') return keyForm(req, { ceremony: 'sign-in', action: '/login/mfa', optionsUrl: '/login/mfa/send', factor: c.factorId, button: `Use your ${c.displayName}` });
    const send = c.sendsChallenge ? form(req, '/login/mfa/send', hidden({ factor: c.factorId }), 'Email me a code') : '';
    return `<h2>${escape(c.displayName)}</h2>${send}${form(req, '/login/mfa', `${hidden({ factor: c.factorId })}<input name="code" autocomplete="one-time-code">`, 'Verify')}`;
  });
  res.send(page('Verify it’s you', `${takeMessages(req)}${forms.join('')}`));
});

app.post('/logout', (req, res, next) => req.logout((error) => (error ? next(error) : res.redirect('/login'))));

// The page of a set-up just begun, as the factor answered it: a key to scan, where the code went, codes to keep.
async function setupPage(req, factor, setup, action) {
  const carry = hidden({ factor, setupId: setup.setupId });
  const codeForm = form(req, action, `${carry}<input name="code" inputmode="numeric" autocomplete="one-time-code">`, 'Turn on');
  if (setup.otpauthUri) return page('Scan or type the key', `<div role="img" aria-label="QR code of the key">${await qrCodeSvg(setup.otpauthUri)}</div><p>Key: <code id="secret">${escape(setup.secret)}</code></p>${codeForm}`);
  if (setup.codes) return page('Keep these codes', `<ol>${setup.codes.map((code) => `<li><code>${escape(code)}</code></li>`).join('')}</ol>${form(req, action, carry, 'I have saved these codes')}`);
  return page('Check your mail', `<p>We sent a code to ${escape(setup.sentTo)}.</p>${codeForm}`);
}

// mfa-bridge: begin (set-up: the user's own page, behind the recent-pass guard)
const signedIn = (req, res, next) => (req.user ? next() : res.redirect('/login'));
const recentPass = requireRecentMfa(mfa, { verifyPath: '/login/mfa', returnTo: '/account/mfa' });

app.post('/account/mfa/:factor', signedIn, recentPass, async (req, res) => {
  const setup = await mfa.account.beginSetup(await sessionCaller(mfa, req), req.params.factor, { label: req.body.label });
  res.set('Cache-Control', 'no-store'); // it may show a secret
  if (req.accepts(['html', 'json']) === 'json') return res.json(setup); // a security key: the browser helper
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
// mfa-bridge: end

app.get('/account/mfa', signedIn, async (req, res) => {
  const { user } = await sessionCaller(mfa, req);
  const list = (await mfa.enrolment.devices(user)).map((d) => `<li>${escape(d.label)}</li>`).join('');
  const start = (factor, button) => form(req, `/account/mfa/${factor}`, '', button);
  const key = keyForm(req, { ceremony: 'set-up', action: '/account/mfa/webauthn/confirm', optionsUrl: '/account/mfa/webauthn', factor: 'webauthn', button: 'Add a security key' });
  res.send(page('Two-step verification', `${takeMessages(req)}<ul>${list}</ul>${start('totp', 'Set up an authenticator app')}${start('email', 'Turn on email codes')}${start('recovery_codes', 'Get recovery codes')}${key}`));
});

// mfa-bridge: begin (set-up required: the first factor passes the login)
app.post('/login/setup/:factor', async (req, res) => {
  const setup = await mfa.account.beginSetup(await sessionCaller(mfa, req), req.params.factor, { label: req.body.label });
  res.set('Cache-Control', 'no-store');
  if (req.accepts(['html', 'json']) === 'json') return res.json(setup);
  res.send(await setupPage(req, req.params.factor, setup, '/login/setup'));
});

app.post('/login/setup', async (req, res, next) => {
  const choice = (await secondFactorSetup(mfa, req)).find((c) => c.factorId === req.body.factor);
  if (!choice) return res.redirect('/login');
  passport.authenticate(choice.strategy, { successRedirect: '/', failureRedirect: '/login/setup', failureMessage: true })(req, res, next);
});
// mfa-bridge: end

app.get('/login/setup', async (req, res) => {
  const choices = await secondFactorSetup(mfa, req);
  if (choices.length === 0) return res.redirect('/login');
  const forms = choices.map((c) =>
    c.prompt === 'browser'
      ? keyForm(req, { ceremony: 'set-up', action: '/login/setup', optionsUrl: `/login/setup/${c.factorId}`, factor: c.factorId, button: `Add a ${c.displayName}` })
      : form(req, `/login/setup/${c.factorId}`, '', `Set up ${c.displayName}`),
  );
  res.send(page('Set up two-step verification', `${takeMessages(req)}${forms.join('')}`));
});

app.use(errorHandler()); // the plugin's errors as a 4xx page (or JSON for the browser helper), never a 500

const server = app.listen(port, '127.0.0.1', () => console.log(`Example app on http://127.0.0.1:${server.address().port}`));
