/**
 * Issue 13: the factors as Passport strategies a host mounts (`mfa-bridge/passport`), and
 * the doors running the same strategies through one Passport instance. The host here is
 * a small Express + express-session + Passport app of the test's own, as a stranger's
 * would be; the packed-package version of it is test/package/exampleHost.test.ts.
 */
import assert from 'node:assert/strict';
import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createMfaPlugin } from '../../plugin/createMfaPlugin.ts';
import { factorPassport, shareFactorPassport } from '../../adapters/express/passport/pluginPassport.ts';
import { type MfaStrategyFailure, startSecondFactor, useMfaStrategies } from '../../adapters/express/passport/index.ts';
import { databaseKinds } from '../support/databases.ts';
import { createTestPlugin, type TestPlugin } from '../support/testPlugin.ts';
import { codeFor, enrolTotp } from '../support/totpDevice.ts';

/** A host's Passport app: its own password step, then `passport.authenticate('mfa-totp')`; it answers JSON so the test can read why. */
function hostApp(t: TestPlugin) {
  const passport = new Passport();
  const names = useMfaStrategies(passport, t.mfa);
  passport.serializeUser((user: Express.User, done) => done(null, (user as { id: string }).id));
  passport.deserializeUser((id: string, done) => done(null, t.host.users.get(id) ?? false));
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(session({ secret: 'test-only', resave: false, saveUninitialized: false }));
  app.use(passport.session());
  app.post('/login', async (req, res) => {
    const user = await t.host.checkPassword(String(req.body.username), String(req.body.password));
    if (!user) return res.status(401).json({ error: 'wrong password' });
    res.json(await startSecondFactor(t.mfa, req, user.id));
  });
  app.post('/login/mfa', (req, res, next) =>
    passport.authenticate('mfa-totp', (error: unknown, user: { username: string } | false, info: MfaStrategyFailure | undefined) => {
      if (error) return next(error);
      if (!user) return res.status(401).json({ error: info?.message });
      req.login(user, (loginError) => (loginError ? next(loginError) : res.json({ loggedIn: user.username })));
    })(req, res, next),
  );
  app.get('/me', (req, res) => res.json({ user: (req.user as { username?: string } | undefined)?.username ?? null }));
  return { app, names, passport };
}

for (const kind of databaseKinds) {
  describe(`Passport strategies a host mounts (${kind})`, () => {
    let t: TestPlugin;
    before(async () => {
      t = await createTestPlugin(kind);
    });
    after(() => t.drop());

    it('registers one strategy per factor that takes input, named the Passport way', () => {
      const { names } = hostApp(t);
      for (const name of ['mfa-totp', 'mfa-email', 'mfa-webauthn', 'mfa-recovery-codes']) assert.ok(names.includes(name), `${name} is registered`);
      assert.ok(!names.some((name) => name.includes('trusted') || name.includes('ip-range')), 'no strategy for a factor that takes no input');
    });

    it('logs the user in only when the attempt passes: a wrong code fails with the plugin’s words, nobody is logged in meanwhile', async () => {
      const user = t.host.addUser(`pp-${kind}-1`);
      const { secret } = await enrolTotp(t, user);
      const { app } = hostApp(t);
      const agent = request.agent(app);
      const started = await agent.post('/login').type('form').send({ username: user.username, password: 'correct horse battery' });
      assert.equal(started.body.required, true);
      assert.deepEqual((await agent.get('/me')).body, { user: null }, 'the password alone logs nobody in');
      const wrongCode = (await codeFor(secret, t.clock.time)) === '000000' ? '111111' : '000000';
      const wrong = await agent.post('/login/mfa').type('form').send({ code: wrongCode });
      assert.equal(wrong.status, 401);
      assert.match(wrong.body.error, /not right/i);
      const right = await agent.post('/login/mfa').type('form').send({ code: await codeFor(secret, t.clock.time) });
      assert.deepEqual(right.body, { loggedIn: user.username });
      assert.deepEqual((await agent.get('/me')).body, { user: user.username });
    });

    it('two requests racing on one waiting session with the right code: one logs in, the other is told the login was used', async () => {
      const user = t.host.addUser(`pp-${kind}-2`);
      const { secret } = await enrolTotp(t, user);
      const { app } = hostApp(t);
      const agent = request.agent(app);
      await agent.post('/login').type('form').send({ username: user.username, password: 'correct horse battery' });
      const code = await codeFor(secret, t.clock.time);
      const answers = await Promise.all([1, 2].map(() => agent.post('/login/mfa').type('form').send({ code })));
      const winners = answers.filter((a) => a.status === 200);
      const losers = answers.filter((a) => a.status !== 200);
      assert.equal(winners.length, 1, 'exactly one request logs in');
      assert.equal(losers.length, 1);
      // The loser lost to the winner: the code or the attempt was spent, or (most often) the winner's req.login had already replaced the session it rode on.
      assert.match(losers[0]!.body.error, /already used|used already|no login waiting/i, `why the loser lost: ${losers[0]!.body.error}`);
    });

    it('the doors run on one Passport instance per plugin, which a host can make its own before the doors are made', () => {
      const hostPassport = new Passport();
      const mine = createTestPluginSibling(t);
      shareFactorPassport(mine, hostPassport);
      assert.equal(factorPassport(mine), hostPassport, 'the doors use the host’s instance');
      assert.equal(factorPassport(t.mfa), factorPassport(t.mfa), 'one instance per plugin');
      assert.throws(() => shareFactorPassport(t.mfa, new Passport()), /already run on another Passport instance/);
    });
  });
}

/** Another plugin over the same database and host: a host that has not made its doors yet. */
function createTestPluginSibling(t: TestPlugin) {
  return createMfaPlugin({ db: t.database.db, host: t.host, secretKey: t.secretKey, now: t.clock.now });
}
