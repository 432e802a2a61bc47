import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCliInProcess } from '../cli/runCliInProcess.ts';
import { bridgeClientOn } from '../support/bridgeReferenceClient.ts';
import { databaseKinds } from '../support/databases.ts';
import { AppTestKit, assertMoodleError, MoodleAppClient } from '../support/moodleApp.ts';
import { createTestSite, TEST_PASSWORD, type TestSite } from '../support/testSite.ts';

const PLATFORM = 'keycloak';

/**
 * A client whose users are the site's (`--users site`): Keycloak's "ada" is the LMS's ada,
 * so the factor she set up on the LMS guards her Keycloak login, and one lockout and one
 * audit count both.
 */
for (const kind of databaseKinds) {
  describe(`bridge clients whose users are the site's, on ${kind}`, () => {
    let site: TestSite;
    let kit: AppTestKit;
    before(async () => {
      site = await createTestSite(kind);
      kit = new AppTestKit(site);
      await site.mfa.settings.set('lockout_threshold', '5', 'test');
      await site.mfa.settings.set('mobile_app_mfa', 'true', 'test');
    });
    after(() => site.close());

    async function newClient(clientId: string, userSource: 'platform' | 'site') {
      const { secret } = await site.bridge.clients.add({ clientId, platform: PLATFORM, userSource, actor: 'test' });
      return bridgeClientOn(site.app, { clientId, secret }, site.clock.now);
    }
    /** Keycloak's view of a person: its own user id, the username and (verified) email from the shared directory. */
    const keycloakUser = (username: string, email = `${username}@example.test`) => ({ platform: PLATFORM, userId: `kc-${username}-uuid`, username, email, emailVerified: true, door: 'web' as const, ip: '198.51.100.9', userAgent: 'Keycloak' });

    it('offers the factor set up on the site, and wrong codes at the LMS and at Keycloak count toward one lockout', async () => {
      const client = await newClient('kc-site', 'site');
      const ada = await kit.withTotp('ada');
      const opened = await client.post('/bridge/v1/attempts', keycloakUser('ada')).expect(200);
      assert.equal(opened.body.outcome, 'pending');
      assert.deepEqual(opened.body.factors.map((f: { id: string }) => f.id), ['totp'], 'her authenticator app, set up on the LMS');
      assert.equal(opened.body.factors[0].triesLeft, 5);

      const code = await kit.nextTotp('ada');
      const wrongCode = code === '000000' ? '111111' : '000000';
      const atKeycloak = await client.post(`/bridge/v1/attempts/${opened.body.attempt}/verify`, { factor: 'totp', code: wrongCode }).expect(200);
      assert.equal(atKeycloak.body.error.triesLeft, 4);

      const app = new MoodleAppClient(site, 'POST');
      const atLms = await app.login('ada');
      assertMoodleError(atLms, 'mfarequired');
      const wrongAtLms = await app.call({ mfa_token: atLms.body.mfa_token, mfa_code: wrongCode });
      assertMoodleError(wrongAtLms, 'invalidmfacode');
      assert.equal(wrongAtLms.body.mfa_tries_left, 3, 'the wrong code typed in Keycloak counted here too');

      const again = await client.get(`/bridge/v1/attempts/${opened.body.attempt}`).expect(200);
      assert.equal(again.body.factors[0].triesLeft, 3, 'and the LMS one counts in Keycloak');

      const passed = await client.post(`/bridge/v1/attempts/${opened.body.attempt}/verify`, { factor: 'totp', code }).expect(200);
      assert.equal(passed.body.outcome, 'passed');
      const replayedAtLms = await app.call({ mfa_token: atLms.body.mfa_token, mfa_code: code });
      assertMoodleError(replayedAtLms, 'invalidmfacode');
      assert.match(replayedAtLms.body.error, /used already/, 'a code spent in Keycloak is spent at the LMS');

      const audit = await site.database.db('mfa_audit_log').where({ user_id: ada.id }).select('event', 'door', 'actor');
      assert.ok(audit.some((row) => row.event === 'bridge_call' && row.actor === 'bridge:kc-site'), 'Keycloak\'s calls are in her audit');
      assert.ok(audit.some((row) => row.event === 'attempt_opened' && row.door === 'token'), 'beside the LMS app\'s');
      const linked = await site.bridge.users.findByPlatformId(PLATFORM, 'kc-ada-uuid');
      assert.equal(linked?.siteUserId, ada.id, 'the platform\'s id is kept with the site user it was matched to');
    });

    it('does not let the LMS token door finish an attempt Keycloak opened for the same person', async () => {
      const client = await newClient('kc-doors', 'site');
      await kit.withTotp('grace');
      const opened = await client.post('/bridge/v1/attempts', { ...keycloakUser('grace'), door: 'token' }).expect(200);
      assert.equal(opened.body.outcome, 'pending');
      const app = new MoodleAppClient(site, 'POST');
      const lifted = await app.call({ username: 'grace', password: TEST_PASSWORD, mfa_token: opened.body.attempt, mfa_code: await kit.nextTotp('grace') });
      assert.equal(lifted.body.token, undefined, 'no LMS token from a Keycloak attempt handle');
      const still = await client.get(`/bridge/v1/attempts/${opened.body.attempt}`).expect(200);
      assert.equal(still.body.outcome, 'pending', 'and the attempt is untouched');
    });

    it('refuses a match whose email differs or who is suspended on the site (403, says what to fix), and keeps a platform-only name the platform\'s own', async () => {
      const client = await newClient('kc-mismatch', 'site');
      await kit.withTotp('linus');
      const other = await client.post('/bridge/v1/attempts', keycloakUser('linus', 'someone.else@example.test')).expect(403);
      assert.equal(other.body.code, 'FORBIDDEN');
      assert.match(other.body.error, /another email address than the platform's/);

      await kit.withTotp('suspended-ann');
      await site.database.db('lms_users').where({ username: 'suspended-ann' }).update({ suspended: true });
      const suspended = await client.post('/bridge/v1/attempts', keycloakUser('suspended-ann')).expect(403);
      assert.match(suspended.body.error, /is suspended: they cannot sign in until an administrator reinstates them/);

      const unknown = await client.post('/bridge/v1/attempts', keycloakUser('only-in-keycloak')).expect(200);
      assert.notEqual(unknown.body.outcome, 'locked');
      const own = await site.bridge.users.findByPlatformId(PLATFORM, 'kc-only-in-keycloak-uuid');
      assert.equal(own?.siteUserId, null, 'a name the site does not know stays the platform\'s own user');
    });

    it('links only the very same username: "alıce", "alice " and "ALICE" are not the site\'s alice, on every database', async () => {
      const client = await newClient('kc-exact', 'site');
      const alice = await kit.withTotp('alice');
      for (const [index, lookalike] of ['alıce', 'alice ', 'ALICE', ' alice'].entries()) {
        const userId = `kc-lookalike-${index}`;
        const opened = await client.post('/bridge/v1/attempts', { ...keycloakUser(lookalike, 'alice@example.test'), userId }).expect(200);
        assert.ok(!opened.body.factors.some((f: { id: string }) => f.id === 'totp'), `${JSON.stringify(lookalike)} is not offered alice's authenticator app`);
        const own = await site.bridge.users.findByPlatformId(PLATFORM, userId);
        assert.equal(own?.siteUserId, null, `${JSON.stringify(lookalike)} stays the platform's own user`);
      }
      const exact = await client.post('/bridge/v1/attempts', keycloakUser('alice')).expect(200);
      assert.deepEqual(exact.body.factors.map((f: { id: string }) => f.id), ['totp'], 'the same name, byte for byte, is alice');
      assert.equal((await site.bridge.users.findByPlatformId(PLATFORM, 'kc-alice-uuid'))?.siteUserId, alice.id);
    });

    it('links to a site user only when the platform has verified the email address (403 that says so, at open and at set-up)', async () => {
      const client = await newClient('kc-verified', 'site');
      await kit.withTotp('barbara');
      await kit.user('carla');
      for (const sent of [{ emailVerified: false }, { emailVerified: undefined }]) {
        const refused = await client.post('/bridge/v1/attempts', { ...keycloakUser('barbara'), ...sent }).expect(403);
        assert.equal(refused.body.code, 'FORBIDDEN');
        assert.match(refused.body.error, /has not verified the email address of "barbara"/);
      }
      const setup = await client.post('/bridge/v1/users/setup/totp', { ...keycloakUser('carla'), emailVerified: false }).expect(403);
      assert.match(setup.body.error, /has not verified the email address of "carla"/, 'nobody sets up a factor for the site\'s carla with an address nobody checked');
      assert.equal(await site.bridge.users.findByPlatformId(PLATFORM, 'kc-carla-uuid'), null, 'nothing is provisioned');
      const verified = await client.post('/bridge/v1/attempts', keycloakUser('barbara')).expect(200);
      assert.deepEqual(verified.body.factors.map((f: { id: string }) => f.id), ['totp']);
      const unknown = await client.post('/bridge/v1/attempts', { ...keycloakUser('only-in-keycloak-unverified'), emailVerified: false }).expect(200);
      assert.ok(unknown.body.outcome, 'a name the site does not know needs no verified address: it links to nobody');
    });

    it('keeps a client\'s own users apart from the site\'s of the same name (the default)', async () => {
      const client = await newClient('kc-own', 'platform');
      await kit.withTotp('edsger');
      const opened = await client.post('/bridge/v1/attempts', keycloakUser('edsger')).expect(200);
      assert.ok(!opened.body.factors.some((f: { id: string }) => f.id === 'totp'), 'the LMS user\'s factors are not offered');
      const own = await site.bridge.users.findByPlatformId(PLATFORM, 'kc-edsger-uuid');
      assert.equal(own?.siteUserId, null);
    });

    it('the CLI makes a client of the site\'s users and lists whose users each client has', async () => {
      const made = await runCliInProcess(['bridge', 'client', 'add', 'kc-cli', '--platform', PLATFORM, '--users', 'site'], site.database.url);
      assert.equal(made.code, 0, made.stderr);
      assert.match(made.stdout, /Client kc-cli \(platform keycloak, this site's users\) is made/);
      const wrong = await runCliInProcess(['bridge', 'client', 'add', 'kc-cli-2', '--platform', PLATFORM, '--users', 'everyone'], site.database.url);
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.stderr, /--users is "platform" .* or "site"/);
      const listed = await runCliInProcess(['bridge', 'client', 'list'], site.database.url);
      assert.match(listed.stdout, /^kc-cli\tkeycloak\tsite\t/m);
    });
  });
}
