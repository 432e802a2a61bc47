// An existing Express + Passport app (passport-local, sessions, its own users table) that
// adds multi-factor authentication with mfa-bridge. Every line mfa-bridge needs sits
// between "mfa-bridge: begin" and "mfa-bridge: end"; mfa-bridge's docs/add-to-your-app.md shows the same lines.
import express from 'express';
import session from 'express-session';
import knex from 'knex';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { addUser, checkPassword, createUsersTable } from './users.js';
// mfa-bridge: begin (imports)
import { createMfaPlugin, migratePlugin } from 'mfa-bridge';
import { csrfProtection, csrfToken } from 'mfa-bridge/express';
import { secondFactorChoices, startSecondFactor, useMfaStrategies } from 'mfa-bridge/passport';
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
const page = (title, body) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1>${body}</body></html>`;
const form = (req, action, fields, button) =>
  `<form method="post" action="${action}"><input type="hidden" name="_csrf" value="${escape(csrfToken(req))}">${fields}<button type="submit">${escape(button)}</button></form>`;
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
  try {
    const start = await startSecondFactor(mfa, req, String(req.user.id));
    if (start.required) return res.redirect('/login/mfa');
    req.login(req.user, (error) => (error ? next(error) : res.redirect('/')));
  } catch (error) {
    next(error);
  }
});

app.post('/login/mfa', async (req, res, next) => {
  const choice = (await secondFactorChoices(mfa, req)).find((c) => c.factorId === req.body.factor && !c.locked);
  if (!choice) return res.redirect('/login/mfa'); // it shows what is left, or sends to the login saying why
  passport.authenticate(choice.strategy, { successRedirect: '/', failureRedirect: '/login/mfa', failureMessage: true })(req, res, next);
});
// mfa-bridge: end

app.get('/login/mfa', async (req, res) => {
  const choices = (await secondFactorChoices(mfa, req)).filter((c) => !c.locked && !c.sendsChallenge);
  if (choices.length === 0) return res.redirect('/login?ended=1');
  const options = choices.map((c) => `<option value="${escape(c.factorId)}">${escape(c.displayName)}</option>`).join('');
  res.send(page('Verify it’s you', `${takeMessages(req)}${form(req, '/login/mfa', `<select name="factor">${options}</select> <input name="code" autocomplete="one-time-code" inputmode="numeric">`, 'Verify')}`));
});

app.post('/logout', (req, res, next) => req.logout((error) => (error ? next(error) : res.redirect('/login'))));

// Setting up an authenticator app, with the plugin's enrolment API.
const signedIn = (req, res, next) => (req.user ? next() : res.redirect('/login'));
const hostUser = (req) => mfa.registry.host.findUserById(String(req.user.id));

app.get('/account/mfa', signedIn, async (req, res) => {
  const devices = await mfa.enrolment.devices(await hostUser(req));
  const list = devices.map((d) => `<li>${escape(d.label)}</li>`).join('');
  res.send(page('Two-step verification', `<ul>${list}</ul>${form(req, '/account/mfa/totp', '', 'Set up an authenticator app')}`));
});

app.post('/account/mfa/totp', signedIn, async (req, res) => {
  const setup = await mfa.enrolment.beginSetup(await hostUser(req), 'totp', { label: 'Authenticator app' });
  res.set('Cache-Control', 'no-store').send(page('Scan or type the key', `<p>Key: <code id="secret">${escape(setup.secret)}</code></p>
    <p><a href="${escape(setup.otpauthUri)}">Open in your authenticator app</a></p>
    ${form(req, '/account/mfa/totp/confirm', `<input type="hidden" name="setupId" value="${escape(setup.setupId)}"><input name="code" inputmode="numeric">`, 'Turn on')}`));
});

app.post('/account/mfa/totp/confirm', signedIn, async (req, res) => {
  const user = await hostUser(req);
  try {
    await mfa.enrolment.confirmSetup(user, 'totp', { setupId: req.body.setupId, code: req.body.code, label: 'Authenticator app' }, { actor: user.username, ip: req.ip ?? null });
    res.redirect('/account/mfa');
  } catch (error) {
    res.status(400).send(page('Not turned on', `<p role="alert">${escape(error.message)}</p><p><a href="/account/mfa">Try again</a></p>`));
  }
});

const server = app.listen(port, '127.0.0.1', () => console.log(`Example app on http://127.0.0.1:${server.address().port}`));
