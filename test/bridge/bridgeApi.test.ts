import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseKinds } from '../support/databases.ts';
import { bridgeClientOn, newNonce } from '../support/bridgeReferenceClient.ts';
import { createTestSite, type TestSite } from '../support/testSite.ts';
import { codeFor } from '../support/totpDevice.ts';
import { runCliInProcess } from '../cli/runCliInProcess.ts';

const PLATFORM = 'keycloak';

for (const kind of databaseKinds) {
  describe(`the bridge API (/bridge/v1) on ${kind}`, () => {
    let site: TestSite;
    before(async () => {
      site = await createTestSite(kind);
    });
    after(() => site.close());

    async function newClient(clientId: string, tokenDoorPolicy?: 'required' | 'follow-site') {
      const { secret } = await site.bridge.clients.add({ clientId, platform: PLATFORM, tokenDoorPolicy, actor: 'test' });
      return bridgeClientOn(site.app, { clientId, secret }, site.clock.now);
    }

    const person = (userId: string) => ({ platform: PLATFORM, userId, username: `${userId}-name`, email: `${userId}@example.test`, door: 'web' as const, ip: '198.51.100.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' });

    /** Enrols an authenticator app through the bridge, as Keycloak does for a user who must set one up; returns its secret. */
    async function enrolThroughBridge(client: Awaited<ReturnType<typeof newClient>>, userId: string, attempt?: string): Promise<string> {
      const begun = await client.post('/bridge/v1/users/setup/totp', { ...person(userId), ...(attempt ? { attempt } : {}) }).expect(200);
      assert.match(begun.body.qrSvg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/, 'an SVG QR code drawn by the bridge');
      assert.match(begun.body.otpauthUri, /^otpauth:\/\/totp\//);
      const code = await codeFor(begun.body.secret, site.clock.time);
      const confirmed = await client.post('/bridge/v1/users/setup/totp/confirm', { platform: PLATFORM, userId, setupId: begun.body.setupId, code, ...(attempt ? { attempt } : {}) }).expect(200);
      assert.equal(confirmed.body.confirmed, true);
      // The confirming code's step is spent.
      site.clock.advance(30_000);
      return begun.body.secret as string;
    }

    async function settings(values: Record<string, string>) {
      for (const [name, value] of Object.entries(values)) await site.mfa.settings.set(name, value, 'test');
    }

    it('accepts a signed call and audits it with the client id, never the secret or code', async () => {
      await settings({ mobile_app_mfa: 'false', require_setup: 'false' });
      const { secret } = await site.bridge.clients.add({ clientId: 'kc-audit', platform: PLATFORM, actor: 'test' });
      const client = bridgeClientOn(site.app, { clientId: 'kc-audit', secret }, site.clock.now);
      const opened = await client.post('/bridge/v1/attempts', person('audited')).expect(200);
      assert.equal(opened.body.outcome, 'passed', 'nothing set up and no set-up required: passes, as at the site');
      const rows = await site.database.db('mfa_audit_log').where({ event: 'bridge_call', actor: 'bridge:kc-audit' });
      assert.equal(rows.length, 1);
      assert.match(rows[0].user_id, /^bridge-\d+$/);
      assert.equal(JSON.parse(rows[0].detail).route, 'POST /bridge/v1/attempts');
      const everything = JSON.stringify(await site.database.db('mfa_audit_log').select('*'));
      assert.ok(!everything.includes(secret) && !everything.includes(secret.slice(4)), 'no secret in the audit log');
      const stored = JSON.stringify(await site.database.db('mfa_bridge_clients').where({ client_id: 'kc-audit' }));
      assert.ok(!stored.includes(secret.slice(4)), 'the secret is not stored');
      assert.ok(!stored.includes((await site.bridge.clients.keyOf('kc-audit'))?.signingKey.toString('base64') ?? 'none'), 'the signing key is stored sealed');
    });

    it('refuses a bad signature, a stale or replayed request, an unknown or revoked client: 401 with a code, each audited', async () => {
      const client = await newClient('kc-refusals');
      const body = person('refused');
      const bad = await client.call({ method: 'POST', path: '/bridge/v1/attempts', body, signature: `v1=${'0'.repeat(64)}` }).expect(401);
      assert.equal(bad.body.code, 'BRIDGE_UNAUTHENTICATED');
      assert.match(bad.body.error, /signature does not match/);
      const tampered = client.request({ method: 'POST', path: '/bridge/v1/attempts', body });
      const forged = await client.call({ method: 'POST', path: '/bridge/v1/attempts', body: { ...body, userId: 'someone-else' }, nonce: tampered.headers['X-Bridge-Nonce'], signature: tampered.headers['X-Bridge-Signature'] }).expect(401);
      assert.equal(forged.body.code, 'BRIDGE_UNAUTHENTICATED', 'a body changed after signing');
      const stale = await client.call({ method: 'POST', path: '/bridge/v1/attempts', body, timestamp: String(site.clock.time - 301_000) }).expect(401);
      assert.equal(stale.body.code, 'BRIDGE_STALE');
      const future = await client.call({ method: 'POST', path: '/bridge/v1/attempts', body, timestamp: String(site.clock.time + 301_000) }).expect(401);
      assert.equal(future.body.code, 'BRIDGE_STALE');
      const within = await client.call({ method: 'POST', path: '/bridge/v1/attempts', body, timestamp: String(site.clock.time - 299_000) });
      assert.equal(within.status, 200, 'within the window');

      const nonce = newNonce();
      await client.call({ method: 'POST', path: '/bridge/v1/attempts', body, nonce }).expect(200);
      const replayed = await client.call({ method: 'POST', path: '/bridge/v1/attempts', body, nonce }).expect(401);
      assert.equal(replayed.body.code, 'BRIDGE_REPLAYED');

      const unsigned = await client.call({ method: 'POST', path: '/bridge/v1/attempts', body, nonce: 'short' }).expect(401);
      assert.match(unsigned.body.error, /X-Bridge-Nonce/);
      const stranger = bridgeClientOn(site.app, { clientId: 'kc-nobody', secret: 'mbs_x' }, site.clock.now);
      assert.equal((await stranger.post('/bridge/v1/attempts', body).expect(401)).body.code, 'BRIDGE_UNAUTHENTICATED');

      assert.equal(await site.bridge.clients.revoke('kc-refusals', 'test'), true);
      const revoked = await client.post('/bridge/v1/attempts', body).expect(401);
      assert.equal(revoked.body.code, 'BRIDGE_UNAUTHENTICATED');
      assert.match(revoked.body.error, /unknown or was revoked/);

      const refusals = await site.database.db('mfa_audit_log').where({ event: 'bridge_refused', actor: 'bridge:kc-refusals' });
      assert.deepEqual(refusals.map((r) => JSON.parse(r.detail).code).sort(), ['BRIDGE_REPLAYED', 'BRIDGE_STALE', 'BRIDGE_STALE', 'BRIDGE_UNAUTHENTICATED', 'BRIDGE_UNAUTHENTICATED', 'BRIDGE_UNAUTHENTICATED', 'BRIDGE_UNAUTHENTICATED']);
    });

    it('answers another letter case of a real client id as it answers an unknown id (401), and will not make it a second client', async () => {
      const { secret } = await site.bridge.clients.add({ clientId: 'kc-case', platform: PLATFORM, actor: 'test' });
      for (const claimed of ['KC-CASE', 'Kc-Case']) {
        // Signed with the real client's secret: even a caller who has it learns nothing from the id's case.
        const res = await bridgeClientOn(site.app, { clientId: claimed, secret }, site.clock.now).post('/bridge/v1/attempts', person('case-user'));
        assert.equal(res.status, 401, `${claimed}: ${res.status} ${JSON.stringify(res.body)}`);
        assert.equal(res.body.code, 'BRIDGE_UNAUTHENTICATED');
        assert.match(res.body.error, /unknown or was revoked/);
      }
      const stranger = await bridgeClientOn(site.app, { clientId: 'kc-nobody-at-all', secret }, site.clock.now).post('/bridge/v1/attempts', person('case-user')).expect(401);
      assert.equal(stranger.body.error, (await bridgeClientOn(site.app, { clientId: 'KC-CASE', secret }, site.clock.now).post('/bridge/v1/attempts', person('case-user'))).body.error, 'the same words as for an id that does not exist');
      await assert.rejects(site.bridge.clients.add({ clientId: 'KC-Case', platform: PLATFORM, actor: 'test' }), /already a client "kc-case"/, 'an id differing only in case is taken, on every database');
      assert.equal(await site.bridge.clients.revoke('KC-CASE', 'test'), false, 'revoking names the exact id');
      assert.ok(await site.bridge.clients.keyOf('kc-case'), 'and the real client stays live');
    });

    it('provisions a platform user on first sight, once, and keeps their username and email up to date', async () => {
      const client = await newClient('kc-provision');
      const first = await client.post('/bridge/v1/attempts', { ...person('prov-1'), username: 'ada', email: 'ada@old.test' }).expect(200);
      const again = await client.post('/bridge/v1/attempts', { ...person('prov-1'), username: 'ada.l', email: 'ada@new.test' }).expect(200);
      assert.ok(first.body.attempt && again.body.attempt && first.body.attempt !== again.body.attempt);
      const rows = await site.database.db('mfa_bridge_users').where({ platform: PLATFORM, platform_user_id: 'prov-1' });
      assert.equal(rows.length, 1);
      assert.equal(rows[0].username, 'ada.l');
      assert.equal(rows[0].email, 'ada@new.test');
      const other = await client.post('/bridge/v1/attempts', { ...person('prov-2'), platform: 'moodle' }).expect(403);
      assert.match(other.body.error, /speaks for platform "keycloak"/);
      const missing = await client.post('/bridge/v1/attempts', { platform: PLATFORM, door: 'web' }).expect(400);
      assert.equal(missing.body.code, 'INVALID_INPUT');
      assert.match(missing.body.error, /userId/);
    });

    it('web door: a user must set up TOTP (QR from the bridge), which passes the waiting attempt; next time the code passes; an attempt is consumed once', async () => {
      await settings({ require_setup: 'true' });
      const client = await newClient('kc-web');
      const opened = await client.post('/bridge/v1/attempts', person('web-user')).expect(200);
      assert.equal(opened.body.outcome, 'setup_required');
      const secret = await enrolThroughBridge(client, 'web-user', opened.body.attempt);
      assert.equal((await client.get(`/bridge/v1/attempts/${opened.body.attempt}`).expect(200)).body.outcome, 'passed');
      assert.deepEqual((await client.post(`/bridge/v1/attempts/${opened.body.attempt}/consume`, {}).expect(200)).body, { consumed: true });
      assert.deepEqual((await client.post(`/bridge/v1/attempts/${opened.body.attempt}/consume`, {}).expect(200)).body, { consumed: false });

      const login = await client.post('/bridge/v1/attempts', person('web-user')).expect(200);
      assert.equal(login.body.outcome, 'pending');
      const [factor] = login.body.factors;
      assert.equal(factor.input, 'code');
      assert.equal(factor.sendsChallenge, false);
      assert.equal(factor.locked, false);
      assert.equal(factor.triesLeft, 10);
      const passed = await client.post(`/bridge/v1/attempts/${login.body.attempt}/verify`, { factor: factor.id, code: await codeFor(secret, site.clock.time) }).expect(200);
      assert.equal(passed.body.outcome, 'passed');
      assert.equal((await client.post(`/bridge/v1/attempts/${login.body.attempt}/consume`, {}).expect(200)).body.consumed, true);
      assert.equal((await client.get(`/bridge/v1/attempts/${login.body.attempt}`).expect(410)).body.code, 'ATTEMPT_EXPIRED');
      const setupAgain = await client.post('/bridge/v1/users/setup/totp', person('web-user')).expect(403);
      assert.match(setupAgain.body.error, /already has a way to verify/);
      await settings({ require_setup: 'false' });
    });

    /** A user with an authenticator app set up through the bridge (nothing required them to): its secret. */
    const enrolled = (client: Awaited<ReturnType<typeof newClient>>, userId: string) => enrolThroughBridge(client, userId);

    it('token door: "Enable MFA for the mobile app" off answers not_required; on, it asks for the factor', async () => {
      // A client set to follow the site's toggle; the default (MFA required) is bridgeTokenDoor.test.ts's.
      const client = await newClient('kc-token', 'follow-site');
      await enrolled(client, 'token-user');
      await settings({ mobile_app_mfa: 'false' });
      const off = await client.post('/bridge/v1/attempts', { ...person('token-user'), door: 'token' }).expect(200);
      assert.deepEqual(off.body, { attempt: null, outcome: 'not_required', factors: [], lockedUntil: null });
      await settings({ mobile_app_mfa: 'true' });
      const on = await client.post('/bridge/v1/attempts', { ...person('token-user'), door: 'token' }).expect(200);
      assert.equal(on.body.outcome, 'pending');
      assert.ok(on.body.factors.length > 0 && on.body.factors.every((f: { input: string }) => f.input !== 'browser'), 'only factors that work without a browser');
      const web = await client.post('/bridge/v1/attempts', person('token-user')).expect(200);
      assert.equal(web.body.outcome, 'pending', 'the web door asks whatever the toggle says');
      await settings({ mobile_app_mfa: 'false' });
    });

    it('counts wrong codes toward the lockout, locks the factor, and `mfa unlock <platform>:<username>` unlocks it', async () => {
      await settings({ lockout_threshold: '3' });
      const client = await newClient('kc-lock');
      const secret = await enrolled(client, 'lock-user');
      const login = await client.post('/bridge/v1/attempts', person('lock-user')).expect(200);
      const factor = login.body.factors[0].id as string;
      const wrong = async () => client.post(`/bridge/v1/attempts/${login.body.attempt}/verify`, { factor, code: '000000' }).expect(200);
      const first = await wrong();
      assert.equal(first.body.outcome, 'pending');
      assert.equal(first.body.error.code, 'INVALID_CODE');
      assert.equal(first.body.error.triesLeft, 2);
      assert.equal(first.body.factors[0].triesLeft, 2);
      await wrong();
      const third = await wrong();
      assert.equal(third.body.outcome, 'locked');
      assert.equal(third.body.error.code, 'FACTOR_LOCKED');
      assert.equal(third.body.factors[0].locked, true);
      const rightButLocked = await client.post(`/bridge/v1/attempts/${login.body.attempt}/verify`, { factor, code: await codeFor(secret, site.clock.time) }).expect(200);
      assert.equal(rightButLocked.body.outcome, 'locked', 'a locked factor is not checked at all');
      const bridgeUser = await site.bridge.users.findByPlatformId(PLATFORM, 'lock-user');
      const userRow = await site.database.db('mfa_factor_failures').where({ factor, user_id: bridgeUser?.id ?? '' });
      assert.equal(userRow[0]?.failures, 3, 'the lock is the engine\'s, in the database');

      const unlock = await runCliInProcess(['mfa', 'unlock', `${PLATFORM}:lock-user-name`], site.database.url);
      assert.equal(unlock.code, 0, unlock.stderr);
      assert.match(unlock.stdout, /Unlocked for lock-user-name/);
      const after = await client.post('/bridge/v1/attempts', person('lock-user')).expect(200);
      assert.equal(after.body.outcome, 'pending');
      assert.equal(after.body.factors[0].locked, false);
      site.clock.advance(30_000);
      const passes = await client.post(`/bridge/v1/attempts/${after.body.attempt}/verify`, { factor, code: await codeFor(secret, site.clock.time) }).expect(200);
      assert.equal(passes.body.outcome, 'passed');
      await settings({ lockout_threshold: '10' });
    });

    it('race: one code verified on two attempts at once passes one; the other is told the code was already used', async () => {
      const client = await newClient('kc-race');
      const secret = await enrolled(client, 'race-user');
      const a = await client.post('/bridge/v1/attempts', person('race-user')).expect(200);
      const b = await client.post('/bridge/v1/attempts', person('race-user')).expect(200);
      const factor = a.body.factors[0].id as string;
      const code = await codeFor(secret, site.clock.time);
      const answers = await Promise.all([a, b].map((opened) => client.post(`/bridge/v1/attempts/${opened.body.attempt}/verify`, { factor, code })));
      assert.deepEqual(answers.map((r) => r.status), [200, 200]);
      const winners = answers.filter((r) => r.body.outcome === 'passed');
      const losers = answers.filter((r) => r.body.outcome !== 'passed');
      assert.equal(winners.length, 1, JSON.stringify(answers.map((r) => r.body)));
      assert.equal(losers.length, 1);
      assert.equal(losers[0]?.body.outcome, 'pending');
      assert.equal(losers[0]?.body.error.code, 'INVALID_CODE');
      assert.equal(losers[0]?.body.error.reason, 'replayed', 'the loser is told why: the code was used already');
    });

    it('sends a challenge only for a factor that sends one, and answers 404 for an unknown attempt', async () => {
      const client = await newClient('kc-misc');
      await enrolled(client, 'misc-user');
      const login = await client.post('/bridge/v1/attempts', person('misc-user')).expect(200);
      const factor = login.body.factors[0].id as string;
      const refused = await client.post(`/bridge/v1/attempts/${login.body.attempt}/challenge`, { factor }).expect(400);
      assert.equal(refused.body.code, 'FACTOR_NOT_AVAILABLE');
      const unknown = await client.get('/bridge/v1/attempts/no-such-attempt').expect(404);
      assert.equal(unknown.body.code, 'NOT_FOUND');
      const notJson = await client.call({ method: 'POST', path: '/bridge/v1/attempts', body: '{not json' }).expect(400);
      assert.equal(notJson.body.code, 'INVALID_INPUT');
      const otherClient = await newClient('kc-misc-2');
      assert.equal((await otherClient.get(`/bridge/v1/attempts/${login.body.attempt}`)).status, 200, 'a client of the same platform may read it');
    });
  });
}
