import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { BridgeClients } from '../../plugin/bridge/bridgeClients.ts';
import { KeyRing } from '../../plugin/crypto/keyRing.ts';
import { SecretBox } from '../../plugin/crypto/secretBox.ts';
import { runCliInProcess } from '../cli/runCliInProcess.ts';
import { bridgeClientOn } from '../support/bridgeReferenceClient.ts';
import { databaseKinds } from '../support/databases.ts';
import { createTestSite, csrfFrom } from '../support/testSite.ts';

for (const kind of databaseKinds) {
  describe(`bridge clients and outages on ${kind}`, () => {
    it('answers 503 DATABASE_UNAVAILABLE with Retry-After when the database is gone, never a 500', async () => {
      const site = await createTestSite(kind);
      try {
        const { secret } = await site.bridge.clients.add({ clientId: 'kc-outage', platform: 'keycloak', actor: 'test' });
        const client = bridgeClientOn(site.app, { clientId: 'kc-outage', secret }, site.clock.now);
        const body = { platform: 'keycloak', userId: 'u-outage', username: 'outage', email: 'outage@example.test', door: 'web' };
        await client.post('/bridge/v1/attempts', body).expect(200);
        await site.database.db.destroy();
        for (const call of [client.post('/bridge/v1/attempts', body), client.get('/bridge/v1/attempts/some-handle')]) {
          const res = await call;
          assert.equal(res.status, 503, `${res.status} ${JSON.stringify(res.body)}`);
          assert.equal(res.body.code, 'DATABASE_UNAVAILABLE');
          assert.equal(res.headers['retry-after'], '30');
        }
      } finally {
        await site.close();
      }
    });

    it('makes, lists and revokes clients with the CLI: the secret printed once, never listed; a revoked client is refused', async () => {
      const site = await createTestSite(kind);
      try {
        const env = { MFA_SECRET_KEY: site.secrets.secretKey.toString('base64') };
        const made = await runCliInProcess(['bridge', 'client', 'add', 'keycloak-main', '--platform', 'keycloak'], site.database.url, env);
        assert.equal(made.code, 0, made.stderr);
        const secret = made.stdout.split('\n')[1] ?? '';
        assert.match(secret, /^mbs_[A-Za-z0-9_-]{43}$/);
        const client = bridgeClientOn(site.app, { clientId: 'keycloak-main', secret }, site.clock.now);
        await client.post('/bridge/v1/attempts', { platform: 'keycloak', userId: 'u1', username: 'u1', email: 'u1@example.test', door: 'web' }).expect(200);

        const twice = await runCliInProcess(['bridge', 'client', 'add', 'keycloak-main', '--platform', 'keycloak'], site.database.url, env);
        assert.equal(twice.code, 1);
        assert.match(twice.stderr, /already a client "keycloak-main"/);
        const noPlatform = await runCliInProcess(['bridge', 'client', 'add', 'other'], site.database.url, env);
        assert.equal(noPlatform.code, 2);
        assert.match(noPlatform.stderr, /--platform/);

        const listed = await runCliInProcess(['bridge', 'client', 'list'], site.database.url);
        assert.equal(listed.code, 0, listed.stderr);
        assert.match(listed.stdout, /^keycloak-main\tkeycloak\t/m);
        assert.ok(!listed.stdout.includes(secret.slice(4)), 'the list never shows a secret');

        const newKey = randomBytes(32);
        const rotated = await runCliInProcess(['keys', 'rotate'], site.database.url, { MFA_SECRET_KEY: newKey.toString('base64'), MFA_OLD_SECRET_KEYS: env.MFA_SECRET_KEY });
        assert.equal(rotated.code, 0, rotated.stderr);
        assert.match(rotated.stdout, /Re-encrypted 1 bridge client key under the current key/);
        const underNewKeyOnly = new BridgeClients(site.database.db, () => new SecretBox(new KeyRing(newKey), 'bridge/client-signing-key'), site.mfa.audit, Date.now);
        assert.ok(await underNewKeyOnly.keyOf('keycloak-main'), 'the key opens without the old MFA_SECRET_KEY after the rotation');

        const revoked = await runCliInProcess(['bridge', 'client', 'revoke', 'keycloak-main'], site.database.url);
        assert.equal(revoked.code, 0, revoked.stderr);
        assert.equal((await client.post('/bridge/v1/attempts', { platform: 'keycloak', userId: 'u1', username: 'u1', email: 'u1@example.test', door: 'web' }).expect(401)).body.code, 'BRIDGE_UNAUTHENTICATED');
        const again = await runCliInProcess(['bridge', 'client', 'revoke', 'keycloak-main'], site.database.url);
        assert.equal(again.code, 1);
        const audit = await site.database.db('mfa_audit_log').whereIn('event', ['bridge_client_added', 'bridge_client_revoked']).orderBy('id');
        assert.deepEqual(audit.map((r) => [r.event, r.actor]), [['bridge_client_added', 'cli'], ['bridge_client_revoked', 'cli']]);
      } finally {
        await site.close();
      }
    });

    it('lists, adds (secret shown once, not cached) and revokes clients on the admin page', async () => {
      const site = await createTestSite(kind);
      try {
        await site.addUser('admin', undefined, true);
        await site.bridge.clients.add({ clientId: 'kc-listed', platform: 'keycloak', actor: 'test' });
        const browser = site.browser();
        await browser.login('admin');
        const page = await browser.agent.get('/admin/mfa/bridge').expect(200);
        assert.match(page.text, /<tr data-client="kc-listed"><th scope="row">kc-listed<\/th><td>keycloak<\/td><td>its own users<\/td>/);
        const added = await browser.agent.post('/admin/mfa/bridge').type('form').send({ _csrf: csrfFrom(page.text), clientId: 'kc-from-page', platform: 'keycloak', userSource: 'site' }).expect(201);
        assert.equal((await site.bridge.clients.keyOf('kc-from-page'))?.userSource, 'site', 'the page\'s choice of whose users is kept');
        assert.equal(added.headers['cache-control'], 'no-store');
        const secret = /<code>(mbs_[A-Za-z0-9_-]{43})<\/code>/.exec(added.text)?.[1];
        assert.ok(secret, 'the secret is shown on the page once');
        await bridgeClientOn(site.app, { clientId: 'kc-from-page', secret }, site.clock.now)
          .post('/bridge/v1/attempts', { platform: 'keycloak', userId: 'p1', username: 'p1', email: 'p1@example.test', door: 'web' })
          .expect(200);
        const listedAgain = await browser.agent.get('/admin/mfa/bridge').expect(200);
        assert.ok(!listedAgain.text.includes(secret), 'never shown again');
        const bad = await browser.agent.post('/admin/mfa/bridge').type('form').send({ _csrf: csrfFrom(listedAgain.text), clientId: 'no spaces', platform: 'keycloak' }).expect(400);
        assert.match(bad.text, /A client id is 1 to 64/);
        const unknownSource = await browser.agent.post('/admin/mfa/bridge').type('form').send({ _csrf: csrfFrom(listedAgain.text), clientId: 'kc-odd', platform: 'keycloak', userSource: 'everyone' }).expect(400);
        assert.match(unknownSource.text, /Users are &quot;platform&quot;|Users are "platform"/);
        await browser.agent.post('/admin/mfa/bridge/kc-listed/revoke').type('form').send({ _csrf: 'wrong' }).expect(403);
        assert.ok(await site.bridge.clients.keyOf('kc-listed'), 'a forged form revokes nothing');
        await browser.agent.post('/admin/mfa/bridge/kc-listed/revoke').type('form').send({ _csrf: csrfFrom(listedAgain.text) }).expect(303);
        assert.equal(await site.bridge.clients.keyOf('kc-listed'), null);
        assert.match((await browser.agent.get('/admin/mfa/bridge').expect(200)).text, /Client kc-listed is revoked/);

        await site.addUser('plain');
        const user = site.browser();
        await user.login('plain');
        await user.agent.get('/admin/mfa/bridge').expect(403);
      } finally {
        await site.close();
      }
    });
  });
}
