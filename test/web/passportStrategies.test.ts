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
import { type MfaStrategyFailure, secondFactorChoices, startSecondFactor, useMfaStrategies } from '../../adapters/express/passport/index.ts';
import { databaseKinds } from '../support/databases.ts';
import { meetAtFactor } from '../support/siteInstances.ts';
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

/**
 * The login routes of examples/express-passport/app.js, as a host copies them: the choices
 * from `secondFactorChoices`, the strategy with Passport's failureRedirect and
 * failureMessage, and the login page showing `req.session.messages`.
 */
function exampleLikeApp(t: TestPlugin) {
  const passport = new Passport();
  useMfaStrategies(passport, t.mfa);
  passport.serializeUser((user: Express.User, done) => done(null, (user as { id: string }).id));
  passport.deserializeUser((id: string, done) => done(null, t.host.users.get(id) ?? false));
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(session({ secret: 'test-only', resave: false, saveUninitialized: false }));
  app.use(passport.session());
  const takeMessages = (req: express.Request) => {
    const held = req.session as unknown as { messages?: string[] };
    const messages = held.messages ?? [];
    if (messages.length > 0) held.messages = [];
    return messages;
  };
  app.post('/login', async (req, res) => {
    const user = await t.host.checkPassword(String(req.body.username), String(req.body.password));
    if (!user) return res.redirect('/login?error=1');
    const start = await startSecondFactor(t.mfa, req, user.id);
    res.redirect(start.required ? '/login/mfa' : '/');
  });
  const ended = 'No login is waiting for a second factor: it was finished in another tab or window, or it has ended. Log in again.';
  app.get('/login', (req, res) => {
    const messages = takeMessages(req);
    res.json({ page: 'login', notices: messages.length > 0 ? messages : req.query.ended ? [ended] : [] });
  });
  app.post('/login/mfa', async (req, res, next) => {
    const choice = (await secondFactorChoices(t.mfa, req)).find((c) => c.factorId === req.body.factor && !c.locked);
    if (!choice) return res.redirect('/login/mfa');
    passport.authenticate(choice.strategy, { successRedirect: '/', failureRedirect: '/login/mfa', failureMessage: true })(req, res, next);
  });
  app.get('/login/mfa', async (req, res) => {
    const choices = (await secondFactorChoices(t.mfa, req)).filter((c) => !c.locked && !c.sendsChallenge);
    if (choices.length === 0) return res.redirect('/login?ended=1');
    res.json({ page: 'mfa', notices: takeMessages(req) });
  });
  app.get('/', (req, res) => (req.user ? res.json({ page: 'home', user: (req.user as { username: string }).username }) : res.redirect('/login')));
  return app;
}

/** What a request that lost the race to log in is told (the owner spent the code, or the login), whichever way it lost. */
const LOST_TO_ANOTHER_REQUEST = /^(That code was used already|Your login has expired or was already used|This login was already used|No login is waiting for a second factor: it was finished in another tab or window)/;

/** Follows redirects the way a browser does, starting with this cookie and keeping any new one; every answer on the way. */
async function follow(app: express.Express, cookie: string, first: request.Test): Promise<request.Response[]> {
  const answers = [await first];
  let jar = cookie;
  while (answers.length < 6 && [302, 303].includes(answers.at(-1)!.status)) {
    jar = String(answers.at(-1)!.headers['set-cookie']?.[0] ?? jar).split(';')[0] ?? jar;
    answers.push(await request(app).get(String(answers.at(-1)!.headers.location)).set('Cookie', jar));
  }
  return answers;
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

    it('the example’s routes: copies of one pending cookie racing the owner are sent back to the login with the reason they lost, never a 500', async () => {
      const user = t.host.addUser(`pp-${kind}-3`);
      const { secret } = await enrolTotp(t, user);
      const app = exampleLikeApp(t);
      const login = await request(app).post('/login').type('form').send({ username: user.username, password: 'correct horse battery' });
      assert.equal(login.headers.location, '/login/mfa');
      const cookie = String(login.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
      const code = await codeFor(secret, t.clock.time);
      // The owner and two copies of the cookie reach the factor together (each has read the waiting login), then go on.
      const release = meetAtFactor([t.mfa], 'totp', 3);
      let journeys: request.Response[][];
      try {
        journeys = await Promise.all([1, 2, 3].map(() => follow(app, cookie, request(app).post('/login/mfa').set('Cookie', cookie).type('form').send({ factor: 'totp', code }))));
      } finally {
        assert.equal(release(), 3, 'all three reached the factor');
      }
      for (const journey of journeys) {
        for (const answer of journey) assert.ok(answer.status < 500, `${answer.status} ${answer.text.slice(0, 200)}`);
      }
      const ends = journeys.map((journey) => journey.at(-1)!.body as { page: string; user?: string; notices?: string[] });
      const winners = ends.filter((end) => end.page === 'home');
      assert.deepEqual(winners, [{ page: 'home', user: user.username }], 'exactly one logs in');
      const losers = ends.filter((end) => end.page !== 'home');
      assert.equal(losers.length, 2);
      for (const loser of losers) {
        // Back to the login; or, when it lost on the code before the owner had finished the login, on the second-factor page.
        assert.ok(loser.page === 'login' || loser.page === 'mfa', JSON.stringify(loser));
        // Why it lost: the owner spent the code, or the login itself.
        assert.match((loser.notices ?? []).join(' '), LOST_TO_ANOTHER_REQUEST, `the loser is told why: ${JSON.stringify(loser)}`);
      }
      // Once the owner is in, a loser's next look at the second-factor step sends it to the login, saying why.
      for (const _loser of losers) {
        const next = await follow(app, cookie, request(app).get('/login/mfa').set('Cookie', cookie));
        for (const answer of next) assert.ok(answer.status < 500, `${answer.status} ${answer.text.slice(0, 200)}`);
        const end = next.at(-1)!.body as { page: string; notices: string[] };
        assert.equal(end.page, 'login', 'back to the login');
        assert.match(end.notices.join(' '), LOST_TO_ANOTHER_REQUEST, JSON.stringify(end));
      }
    });

    it('the example’s routes: a copy of the pending cookie that fails after the owner has logged in (its session written back) is sent to the login with the reason, never a 500', async () => {
      const user = t.host.addUser(`pp-${kind}-4`);
      const { secret } = await enrolTotp(t, user);
      const app = exampleLikeApp(t);
      const login = await request(app).post('/login').type('form').send({ username: user.username, password: 'correct horse battery' });
      const cookie = String(login.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
      const code = await codeFor(secret, t.clock.time);
      // Both reach the factor (each has read the waiting login); then the first goes on, and the second waits there
      // until the first has answered (logged in, the shared session replaced), then fails, and express-session writes
      // the old session back with its message.
      let answered!: () => void;
      const firstAnswered = new Promise<void>((resolve) => (answered = resolve));
      let secondArrived!: () => void;
      const bothArrived = new Promise<void>((resolve) => (secondArrived = resolve));
      const registry = t.mfa.registry;
      const provider = registry.provider.bind(registry);
      let arrived = 0;
      registry.provider = (factory, settings) => {
        const made = provider(factory, settings);
        const verify = made.verify?.bind(made);
        if (factory.id !== 'totp' || !verify) return made;
        made.verify = async (attempt, who, input) => {
          if (++arrived === 1) await bothArrived;
          else {
            secondArrived();
            await firstAnswered;
          }
          return verify(attempt, who, input);
        };
        return made;
      };
      let posts: request.Response[];
      try {
        const sent = [1, 2].map(() => request(app).post('/login/mfa').set('Cookie', cookie).type('form').send({ factor: 'totp', code }).then((res) => res));
        await Promise.race(sent);
        answered();
        posts = await Promise.all(sent);
      } finally {
        registry.provider = provider;
        secondArrived();
        answered();
      }
      assert.equal(arrived, 2, 'both reached the factor');
      const [winner, loser] = posts[0]!.headers.location === '/' ? [posts[0]!, posts[1]!] : [posts[1]!, posts[0]!];
      assert.deepEqual([winner.status, winner.headers.location, loser.status, loser.headers.location], [302, '/', 302, '/login/mfa']);
      const journey = await follow(app, cookie, request(app).get('/login/mfa').set('Cookie', cookie));
      for (const answer of journey) assert.ok(answer.status < 500, `${answer.status} ${answer.text.slice(0, 200)}`);
      assert.deepEqual(journey.map((answer) => [answer.status, answer.headers.location]), [[302, '/login?ended=1'], [200, undefined]]);
      const landed = journey.at(-1)!.body as { page: string; notices: string[] };
      assert.equal(landed.page, 'login');
      assert.equal(landed.notices.length, 1);
      assert.match(landed.notices[0] ?? '', /^That code was used already\./, 'why it lost: the owner spent the code');
      const again = await follow(app, cookie, request(app).get('/login/mfa').set('Cookie', cookie));
      assert.deepEqual(again.at(-1)!.body, { page: 'login', notices: ['No login is waiting for a second factor: it was finished in another tab or window, or it has ended. Log in again.'] }, 'the ended login is forgotten');
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
