/**
 * Issue 21: the bridge's set-up is factor-neutral (`/users/setup/{factor}`): a platform sets up
 * any factor that is a way in and shows a set-up step, not only an authenticator app, and the
 * new factor passes the login waiting on it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bridgeClientOn } from '../support/bridgeReferenceClient.ts';
import { databaseKinds } from '../support/databases.ts';
import { codeIn } from '../support/emailSteps.ts';
import { createTestSite, type TestSite } from '../support/testSite.ts';

const PLATFORM = 'keycloak';

for (const kind of databaseKinds) {
  describe(`setting up a first factor through the bridge, any factor, on ${kind}`, () => {
    let site: TestSite;
    let client: ReturnType<typeof bridgeClientOn>;
    before(async () => {
      site = await createTestSite(kind);
      const { secret } = await site.bridge.clients.add({ clientId: 'kc-setup', platform: PLATFORM, actor: 'test' });
      client = bridgeClientOn(site.app, { clientId: 'kc-setup', secret }, site.clock.now);
    });
    after(() => site.close());

    const person = (userId: string) => ({ platform: PLATFORM, userId, username: `${userId}-name`, email: `${userId}@example.test`, emailVerified: true, door: 'web' as const });

    it('sets up email codes for a user who must set up a factor: the step to show, the code mailed, and the waiting login passes', async () => {
      await site.mfa.settings.set('require_setup', true, 'test');
      try {
        const opened = await client.post('/bridge/v1/attempts', person('mailer')).expect(200);
        assert.equal(opened.body.outcome, 'setup_required');
        const before = site.mail.length;
        const begun = await client.post('/bridge/v1/users/setup/email', { ...person('mailer'), attempt: opened.body.attempt }).expect(200);
        assert.equal(begun.body.factor, 'email');
        assert.equal(begun.body.step.confirm.kind, 'code', 'the step says how it is confirmed');
        assert.ok(Array.isArray(begun.body.step.blocks));
        assert.equal(begun.body.secret, undefined, 'no key to type for email codes');
        const mail = site.mail.slice(before).find((m) => m.to === 'mailer@example.test');
        assert.ok(mail, 'the code was mailed to the platform user’s address');
        const wrong = await client.post('/bridge/v1/users/setup/email/confirm', { platform: PLATFORM, userId: 'mailer', setupId: begun.body.setupId, code: '000000', attempt: opened.body.attempt });
        assert.equal(wrong.status, 401, JSON.stringify(wrong.body));
        const confirmed = await client.post('/bridge/v1/users/setup/email/confirm', { platform: PLATFORM, userId: 'mailer', setupId: begun.body.setupId, code: codeIn(mail.text), attempt: opened.body.attempt }).expect(200);
        assert.equal(confirmed.body.confirmed, true);
        assert.equal(confirmed.body.outcome, 'passed', 'setting the factor up passed the login waiting on it');
        assert.equal((await client.post(`/bridge/v1/attempts/${opened.body.attempt}/consume`, {}).expect(200)).body.consumed, true);
        const next = await client.post('/bridge/v1/attempts', person('mailer')).expect(200);
        assert.deepEqual(next.body.factors.map((f: { id: string }) => f.id), ['email'], 'the next login asks for the factor set up');
      } finally {
        await site.mfa.settings.set('require_setup', false, 'test');
      }
    });

    it('refuses a factor that is no way in or unknown, naming those it can set up', async () => {
      const backup = await client.post('/bridge/v1/users/setup/recovery_codes', person('backup')).expect(404);
      assert.match(backup.body.error, /totp/);
      await client.post('/bridge/v1/users/setup/sms', person('backup')).expect(404);
    });
  });
}
