import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCliInProcess } from '../cli/runCliInProcess.ts';
import { bridgeClientOn } from '../support/bridgeReferenceClient.ts';
import { databaseKinds } from '../support/databases.ts';
import { AppTestKit, MoodleAppClient } from '../support/moodleApp.ts';
import { createTestSite, csrfFrom, type TestSite } from '../support/testSite.ts';

const PLATFORM = 'keycloak';

/**
 * Each bridge client has its own policy for the token door (Keycloak's direct grant): by
 * default MFA is required there, whatever the LMS's "Enable MFA for the mobile app" says,
 * for that toggle is the LMS's policy for its own app, not for a step an operator made
 * REQUIRED on another platform (issue 20, item 1).
 */
for (const kind of databaseKinds) {
  describe(`each bridge client's token door policy, on ${kind}`, () => {
    let site: TestSite;
    let kit: AppTestKit;
    before(async () => {
      site = await createTestSite(kind);
      kit = new AppTestKit(site);
    });
    after(() => site.close());

    const cliEnv = () => ({ MFA_SECRET_KEY: site.secrets.secretKey.toString('base64') });
    /** Keycloak's direct grant for a person of the shared directory. */
    const directGrant = (username: string) => ({ platform: PLATFORM, userId: `kc-${username}-uuid`, username, email: `${username}@example.test`, emailVerified: true, door: 'token' as const, ip: '198.51.100.9', userAgent: 'curl/8' });

    async function withSetting(name: string, value: string, run: () => Promise<void>): Promise<void> {
      const before = (await site.mfa.settings.snapshot()).get(name);
      await site.mfa.settings.set(name, value, 'test');
      try {
        await run();
      } finally {
        await site.mfa.settings.set(name, before, 'test');
      }
    }

    it('asks for the second factor at the token door of a client made as docs/keycloak.md says (no choice given), with the LMS\'s mobile-app toggle left off', async () => {
      assert.equal((await site.mfa.settings.snapshot()).boolean('mobile_app_mfa'), false, 'the LMS\'s "Enable MFA for the mobile app" is at its default: off');
      const made = await runCliInProcess(['bridge', 'client', 'add', 'keycloak-main', '--platform', PLATFORM, '--users', 'site'], site.database.url, cliEnv());
      assert.equal(made.code, 0, made.stderr);
      const secret = made.stdout.split('\n')[1] ?? '';
      const client = bridgeClientOn(site.app, { clientId: 'keycloak-main', secret }, site.clock.now);
      await kit.withTotp('ada');

      const opened = await client.post('/bridge/v1/attempts', directGrant('ada')).expect(200);
      assert.equal(opened.body.outcome, 'pending', `no token without her second factor: ${JSON.stringify(opened.body)}`);
      assert.deepEqual(opened.body.factors.map((f: { id: string }) => f.id), ['totp']);
      const passed = await client.post(`/bridge/v1/attempts/${opened.body.attempt}/verify`, { factor: 'totp', code: await kit.nextTotp('ada') }).expect(200);
      assert.equal(passed.body.outcome, 'passed');

      const lmsApp = await new MoodleAppClient(site, 'POST').login('ada');
      assert.equal(typeof lmsApp.body.token, 'string', 'the LMS\'s own app door still follows its toggle: that is its policy for its own app');
    });

    it('follows the site\'s toggle for a client set to follow-site: off, not_required; on, the factor', async () => {
      const { secret } = await site.bridge.clients.add({ clientId: 'kc-follow', platform: PLATFORM, userSource: 'site', tokenDoorPolicy: 'follow-site', actor: 'test' });
      const client = bridgeClientOn(site.app, { clientId: 'kc-follow', secret }, site.clock.now);
      await kit.withTotp('grace');
      await withSetting('mobile_app_mfa', 'false', async () => {
        const off = await client.post('/bridge/v1/attempts', directGrant('grace')).expect(200);
        assert.deepEqual(off.body, { attempt: null, outcome: 'not_required', factors: [], lockedUntil: null });
      });
      await withSetting('mobile_app_mfa', 'true', async () => {
        const on = await client.post('/bridge/v1/attempts', directGrant('grace')).expect(200);
        assert.equal(on.body.outcome, 'pending');
      });
      const web = await client.post('/bridge/v1/attempts', { ...directGrant('grace'), door: 'web' }).expect(200);
      assert.equal(web.body.outcome, 'pending', 'the policy is the token door\'s: the browser login asks in any case');
    });

    it('the CLI sets a client\'s token door when adding it, lists it, changes it (audited), and names the choices for another value', async () => {
      const made = await runCliInProcess(['bridge', 'client', 'add', 'kc-cli-door', '--platform', PLATFORM, '--token-door', 'follow-site'], site.database.url, cliEnv());
      assert.equal(made.code, 0, made.stderr);
      assert.match(made.stdout, /token door: as the site's "Enable MFA for the mobile app"/);
      const listed = await runCliInProcess(['bridge', 'client', 'list'], site.database.url);
      assert.match(listed.stdout, /^client id\tplatform\tusers\ttoken door\t/m);
      assert.match(listed.stdout, /^kc-cli-door\tkeycloak\tplatform\tfollow-site\t/m);
      assert.match(listed.stdout, /^keycloak-main\tkeycloak\tsite\trequired\t/m, 'the default, MFA required');

      const changed = await runCliInProcess(['bridge', 'client', 'set', 'kc-cli-door', '--token-door', 'required'], site.database.url);
      assert.equal(changed.code, 0, changed.stderr);
      assert.match(changed.stdout, /kc-cli-door: token door: MFA required/);
      assert.equal((await site.bridge.clients.keyOf('kc-cli-door'))?.tokenDoorPolicy, 'required');
      const [audited] = await site.database.db('mfa_audit_log').where({ event: 'bridge_client_changed', actor: 'cli' });
      assert.deepEqual(JSON.parse(audited.detail), { clientId: 'kc-cli-door', tokenDoorPolicy: { from: 'follow-site', to: 'required' } });

      for (const args of [['bridge', 'client', 'add', 'kc-cli-odd', '--platform', PLATFORM, '--token-door', 'optional'], ['bridge', 'client', 'set', 'kc-cli-door', '--token-door', 'off']]) {
        const wrong = await runCliInProcess(args, site.database.url, cliEnv());
        assert.equal(wrong.code, 2, wrong.stderr);
        assert.match(wrong.stderr, /--token-door is "required" .* or "follow-site"/);
      }
      assert.equal(await site.bridge.clients.keyOf('kc-cli-odd'), null, 'nothing made');
      const unknown = await runCliInProcess(['bridge', 'client', 'set', 'kc-nobody', '--token-door', 'required'], site.database.url);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /no live client "kc-nobody"/);
    });

    it('the admin page shows each client\'s token door, sets it when adding one, changes it, and answers 400 naming the choices for another value', async () => {
      await site.addUser('admin', undefined, true);
      await site.bridge.clients.add({ clientId: 'kc-page-door', platform: PLATFORM, actor: 'test' });
      const browser = site.browser();
      await browser.login('admin');
      const page = await browser.agent.get('/admin/mfa/bridge').expect(200);
      assert.match(page.text, /<tr data-client="kc-page-door">.*?<td>MFA required<\/td>/s);
      assert.match(page.text, /<select id="bridge-token-door" name="tokenDoorPolicy"/, 'the add form offers the choice');

      await browser.agent.post('/admin/mfa/bridge').type('form').send({ _csrf: csrfFrom(page.text), clientId: 'kc-page-follow', platform: PLATFORM, tokenDoorPolicy: 'follow-site' }).expect(201);
      assert.equal((await site.bridge.clients.keyOf('kc-page-follow'))?.tokenDoorPolicy, 'follow-site');
      await browser.agent.post('/admin/mfa/bridge').type('form').send({ _csrf: csrfFrom(page.text), clientId: 'kc-page-default', platform: PLATFORM }).expect(201);
      assert.equal((await site.bridge.clients.keyOf('kc-page-default'))?.tokenDoorPolicy, 'required', 'a form without the field gets the default');

      const odd = await browser.agent.post('/admin/mfa/bridge').type('form').send({ _csrf: csrfFrom(page.text), clientId: 'kc-page-odd', platform: PLATFORM, tokenDoorPolicy: 'never' }).expect(400);
      assert.match(odd.text, /The token door is &quot;required&quot; .* or &quot;follow-site&quot;/);
      assert.equal(await site.bridge.clients.keyOf('kc-page-odd'), null);

      const forged = await browser.agent.post('/admin/mfa/bridge/kc-page-door/token-door').type('form').send({ _csrf: 'wrong', tokenDoorPolicy: 'follow-site' });
      assert.equal(forged.status, 403);
      assert.equal((await site.bridge.clients.keyOf('kc-page-door'))?.tokenDoorPolicy, 'required', 'a forged form changes nothing');
      await browser.agent.post('/admin/mfa/bridge/kc-page-door/token-door').type('form').send({ _csrf: csrfFrom(page.text), tokenDoorPolicy: 'follow-site' }).expect(303);
      assert.equal((await site.bridge.clients.keyOf('kc-page-door'))?.tokenDoorPolicy, 'follow-site');
      const after = await browser.agent.get('/admin/mfa/bridge').expect(200);
      assert.match(after.text, /Client kc-page-door: token door: As the site’s mobile-app setting\./);
      assert.match(after.text, /<tr data-client="kc-page-door">.*?<td>As the site’s mobile-app setting<\/td>/s);

      const badChange = await browser.agent.post('/admin/mfa/bridge/kc-page-door/token-door').type('form').send({ _csrf: csrfFrom(after.text), tokenDoorPolicy: 'sometimes' }).expect(400);
      assert.match(badChange.text, /The token door is &quot;required&quot; .* or &quot;follow-site&quot;/);
      assert.equal((await site.bridge.clients.keyOf('kc-page-door'))?.tokenDoorPolicy, 'follow-site');
      const [audited] = await site.database.db('mfa_audit_log').where({ event: 'bridge_client_changed', actor: 'admin' });
      assert.deepEqual(JSON.parse(audited.detail), { clientId: 'kc-page-door', tokenDoorPolicy: { from: 'required', to: 'follow-site' } });
    });
  });
}
