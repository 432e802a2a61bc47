import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { recentPassRequired } from '../../plugin/engine/recentMfaPass.ts';
import { databaseKinds } from '../support/databases.ts';
import { createTestPlugin, type TestPlugin } from '../support/testPlugin.ts';
import { enrolTotp } from '../support/totpDevice.ts';

for (const kind of databaseKinds) {
  describe(`the recent-pass rule after an admin reset, ${kind}`, () => {
    let t: TestPlugin;
    before(async () => {
      t = await createTestPlugin(kind);
    });
    after(() => t.drop());

    it('lets a user with no factor set up their first only from a login made after the last reset', async () => {
      const user = t.host.addUser('reset.user');
      // Never reset: no factor means nothing to ask for (first enrolment).
      assert.equal(await recentPassRequired(t.mfa, user, { passedAt: null, loggedInAt: t.clock.now() }, 'web'), null);
      await enrolTotp(t, user);
      const loginBeforeReset = t.clock.now();
      t.clock.advance(60_000);
      await t.mfa.admin.resetUserFactors({ userId: user.id, reason: 'Phone lost', actor: 'admin' });
      t.clock.advance(60_000);
      const stale = await recentPassRequired(t.mfa, user, { passedAt: loginBeforeReset, loggedInAt: loginBeforeReset }, 'web');
      assert.deepEqual(stale, { minutes: 10, loginAgain: true });
      assert.deepEqual(await recentPassRequired(t.mfa, user, { passedAt: null, loggedInAt: undefined }, 'api'), { minutes: 10, loginAgain: true }, 'a session of unknown age counts as old');
      assert.equal(await recentPassRequired(t.mfa, user, { passedAt: null, loggedInAt: t.clock.now() }, 'web'), null, 'a login after the reset');
    });
  });
}
