import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { RequestFacts } from '../../plugin/spi/factor.ts';
import { databaseKinds } from '../support/databases.ts';
import { addAuthenticatorApp, loggedInWithApp, userIdOf } from '../support/securityPageSteps.ts';
import { codeFor } from '../support/totpDevice.ts';
import { createTestSite, csrfFrom, sessionCookieSetBy, type TestBrowser, type TestSite } from '../support/testSite.ts';

/** Parallel loops of a copied cookie polling /mfa, the red team's attack (issue 11, finding 1). */
const COPY_LOOPS = 12;
const FACTS: RequestFacts = { ip: '127.0.0.1', userAgent: null };

/** Why a request carrying the copied cookie got no passed session. */
type LoserReason = 'attempt still pending: the form again' | 'attempt passed or spent: back to the login' | 'session replaced: back to the login';

interface Answer {
  status: number;
  location: string | null;
  cookie: string | undefined;
  body: string;
}

async function fetchAnswer(origin: string, path: string, cookie: string): Promise<Answer> {
  const res = await fetch(`${origin}${path}`, { headers: { cookie }, redirect: 'manual' });
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('lms_session='))?.split(';')[0];
  return { status: res.status, location: res.headers.get('location'), cookie: setCookie, body: await res.text() };
}

function loserReason(answer: Answer): LoserReason | null {
  if (answer.status === 200 && /name="code"/.test(answer.body)) return 'attempt still pending: the form again';
  if (answer.status === 303 && answer.location === '/login?notice=expired') return 'attempt passed or spent: back to the login';
  if (answer.status === 303 && answer.location === '/login') return 'session replaced: back to the login';
  return null;
}

async function pendingAttemptOf(site: TestSite, username: string): Promise<string> {
  const row = await site.database.db('mfa_attempts').where({ user_id: await userIdOf(site, username), status: 'pending' }).orderBy('created_at', 'desc').first('id');
  assert.ok(row, 'the login has a pending attempt');
  return String(row.id);
}

for (const kind of databaseKinds) {
  describe(`a pending session cannot be promoted by a race (issue 11 finding 1), ${kind}`, () => {
    let site: TestSite;
    let server: Server;
    let origin: string;
    before(async () => {
      site = await createTestSite(kind);
      server = createServer(site.app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await site.close();
    });

    /**
     * While the owner passes MFA, COPY_LOOPS loops poll GET /mfa with a copy of the
     * owner's pending cookie, and go on a few rounds after. Exactly one passed session
     * comes out of it, the owner's; every copy lost, for a reason we can name.
     */
    async function race(owner: TestBrowser, secret: string, username: string): Promise<void> {
      const copy = owner.sessionCookie();
      assert.ok(copy, 'the owner has a session cookie to copy');
      const page = await owner.agent.get('/mfa').expect(200);
      const attemptId = await pendingAttemptOf(site, username);
      let ownerDone = false;
      const loop = async (): Promise<Array<Answer & { afterPass: boolean }>> => {
        const answers: Array<Answer & { afterPass: boolean }> = [];
        let roundsAfter = 0;
        while (roundsAfter < 3) {
          const afterPass = ownerDone;
          answers.push({ ...(await fetchAnswer(origin, '/mfa', copy)), afterPass });
          if (ownerDone) roundsAfter++;
        }
        return answers;
      };
      const loops = Array.from({ length: COPY_LOOPS }, loop);
      const pass = owner.agent.post('/mfa').type('form').send({ _csrf: csrfFrom(page.text), factor: 'totp', code: await codeFor(secret, site.clock.time) });
      const ownerAnswer = await pass;
      ownerDone = true;
      const copies = (await Promise.all(loops)).flat();

      assert.equal(ownerAnswer.status, 303);
      assert.notEqual(ownerAnswer.headers.location, '/login?notice=expired', 'the owner, who passed the attempt, gets the session');
      const ownerCookie = sessionCookieSetBy(ownerAnswer);
      assert.ok(ownerCookie && ownerCookie !== copy, 'the owner gets a new session id');
      assert.equal((await fetchAnswer(origin, '/my', ownerCookie)).status, 200, "the owner's new session is a passed one");

      const reasons = new Map<LoserReason, number>();
      for (const answer of copies) {
        const reason = loserReason(answer);
        assert.ok(reason, `a copy of the pending cookie got ${answer.status} ${answer.location ?? ''}: it must lose`);
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        if (answer.cookie) assert.notEqual((await fetchAnswer(origin, '/my', answer.cookie)).status, 200, 'no copy holds a session that opens the site');
      }
      // Every loop asked at least twice more once the owner's pass was answered: by then the
      // session is gone, or (re-saved by a copy's request that was in flight) it carries a spent attempt.
      const afterPass = copies.filter((answer) => answer.afterPass);
      assert.ok(afterPass.length >= COPY_LOOPS * 2, `${afterPass.length} requests after the pass`);
      for (const answer of afterPass) {
        assert.ok(
          ['session replaced: back to the login', 'attempt passed or spent: back to the login'].includes(String(loserReason(answer))),
          `after the pass the copied id opens nothing, not even the form: ${answer.status} ${answer.location}`,
        );
      }
      const attempt = await site.database.db('mfa_attempts').where({ id: attemptId }).first('status');
      assert.equal(attempt?.status, 'consumed', 'the attempt was spent on the one session');
      assert.equal(await site.mfa.engine.consume(attemptId), false, 'and it cannot be spent again');
      assert.equal((await fetchAnswer(origin, '/mfa', copy)).location, '/login', 'the copied cookie is worthless afterwards');
      site.clock.advance(30_000);
    }

    it('after the password: a copy of the pending cookie racing the owner gets no session', async () => {
      await site.addUser('racer');
      const first = site.browser();
      await first.login('racer');
      const secret = await addAuthenticatorApp(site, first);
      await first.logout();
      const owner = site.browser();
      assert.equal((await owner.login('racer')).headers.location, '/mfa');
      await race(owner, secret, 'racer');
    });

    it('at "Verify it’s you": a copy of the stale session racing the owner gets no fresh pass', async () => {
      const { browser: owner, secret } = await loggedInWithApp(site, 'stalerace');
      site.clock.advance(11 * 60_000);
      const security = await owner.agent.get('/user/security').expect(200);
      await owner.agent.post('/user/security/confirm').type('form').send({ _csrf: csrfFrom(security.text), returnTo: '/user/security' }).expect(303);
      await race(owner, secret, 'stalerace');
    });

    it('a passed attempt that nobody spent yet opens no session for another request', async () => {
      await site.addUser('notyours');
      const first = site.browser();
      await first.login('notyours');
      const secret = await addAuthenticatorApp(site, first);
      await first.logout();
      const owner = site.browser();
      await owner.login('notyours');
      const attemptId = await pendingAttemptOf(site, 'notyours');
      // The owner's request has passed the attempt and not yet spent it: the window the red team hit.
      const status = await site.mfa.engine.verify(attemptId, 'totp', { code: await codeFor(secret, site.clock.time) }, FACTS);
      assert.equal(status.outcome, 'passed');
      const copy = await fetchAnswer(origin, '/mfa', owner.sessionCookie()!);
      assert.equal(loserReason(copy), 'attempt passed or spent: back to the login');
      assert.equal(copy.cookie, undefined, 'no session is set for it');
      assert.equal((await site.database.db('mfa_attempts').where({ id: attemptId }).first('status'))?.status, 'passed', 'left for the request that passed it');
    });

    it('a pass whose attempt another request spent first (between its pass and its spend) opens no session', async () => {
      await site.addUser('overtaken');
      const first = site.browser();
      await first.login('overtaken');
      const secret = await addAuthenticatorApp(site, first);
      await first.logout();
      const owner = site.browser();
      await owner.login('overtaken');
      const page = await owner.agent.get('/mfa').expect(200);
      const attemptId = await pendingAttemptOf(site, 'overtaken');
      // The request that passed the attempt stops just before spending it; meanwhile another spends it.
      const engine = site.mfa.engine;
      const consume = engine.consume.bind(engine);
      let atSpend!: () => void;
      const reachedSpend = new Promise<void>((resolve) => (atSpend = resolve));
      let goOn!: () => void;
      const gate = new Promise<void>((resolve) => (goOn = resolve));
      engine.consume = async (id) => {
        atSpend();
        await gate;
        return consume(id);
      };
      try {
        const pass = owner.agent.post('/mfa').type('form').send({ _csrf: csrfFrom(page.text), factor: 'totp', code: await codeFor(secret, site.clock.time) }).then((res) => res);
        await reachedSpend;
        assert.equal(await consume(attemptId), true, 'the other request spends it');
        goOn();
        const answer = await pass;
        assert.equal(answer.headers.location, '/login?notice=expired', 'this one is told the login was used, and gets no session');
        assert.equal(sessionCookieSetBy(answer), undefined);
        assert.equal((await owner.agent.get('/my')).headers.location?.startsWith('/login'), true, 'still logged out');
      } finally {
        engine.consume = consume;
        goOn();
      }
      site.clock.advance(30_000);
    });

    it('a consumed attempt opens nothing', async () => {
      await site.addUser('spent');
      const first = site.browser();
      await first.login('spent');
      const secret = await addAuthenticatorApp(site, first);
      await first.logout();
      const owner = site.browser();
      await owner.login('spent');
      const page = await owner.agent.get('/mfa').expect(200);
      const attemptId = await pendingAttemptOf(site, 'spent');
      await site.mfa.engine.verify(attemptId, 'totp', { code: await codeFor(secret, site.clock.time) }, FACTS);
      assert.equal(await site.mfa.engine.consume(attemptId), true);
      assert.equal(await site.mfa.engine.consume(attemptId), false, 'spent once: a second spend is refused');
      site.clock.advance(30_000);
      const post = await owner.agent.post('/mfa').type('form').send({ _csrf: csrfFrom(page.text), factor: 'totp', code: await codeFor(secret, site.clock.time) });
      assert.equal(post.headers.location, '/login?notice=expired');
      assert.equal(sessionCookieSetBy(post), undefined);
      assert.equal((await owner.agent.get('/my')).headers.location?.startsWith('/login'), true, 'still logged out');
    });
  });
}
