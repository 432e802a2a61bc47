import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { totpFactor } from '../../plugin/factors/totp/index.ts';
import { outsideOperationScope, withOperationScope } from '../../plugin/store/operationScope.ts';
import { databaseKinds } from '../support/databases.ts';
import { withSettings } from '../support/withSettings.ts';
import { facts, pendingAttempt } from '../support/emailSteps.ts';
import { createTestPlugin, type TestPlugin } from '../support/testPlugin.ts';
import { codeFor, enrolTotp } from '../support/totpDevice.ts';

for (const kind of databaseKinds) {
  describe(`one operation scope (one request at a door) on ${kind}`, () => {
    let t: TestPlugin;
    before(async () => {
      t = await createTestPlugin(kind);
      await t.mfa.settings.set('enabled', true, 'test');
    });
    after(() => t.drop());

    /** How many SELECTs on each table `work` makes. */
    async function selects(work: () => Promise<unknown>): Promise<Record<string, number>> {
      const counts: Record<string, number> = {};
      const listener = (q: { sql: string }) => {
        const table = /^\s*select\b.*?\bfrom\s+`?(\w+)`?/i.exec(q.sql)?.[1];
        if (table) counts[table] = (counts[table] ?? 0) + 1;
      };
      t.database.db.on('query', listener);
      try {
        await work();
      } finally {
        t.database.db.off('query', listener);
      }
      return counts;
    }

    it('reads the settings, the user’s factor records and the attempt once for a status then a code check; outside a scope, each time', async () => {
      const user = t.host.addUser('scope-reads');
      const { secret } = await enrolTotp(t, user);
      const checkTwice = async (code: string) => {
        const attempt = await pendingAttempt(t, user);
        await t.mfa.engine.status(attempt.id, facts);
        return t.mfa.engine.verify(attempt.id, totpFactor, { code }, facts);
      };
      const scoped = await selects(() => withOperationScope(async () => assert.equal((await checkTwice(await codeFor(secret, t.clock.time))).outcome, 'passed')));
      t.clock.advance(30_000);
      const unscoped = await selects(async () => assert.equal((await checkTwice(await codeFor(secret, t.clock.time))).outcome, 'passed'));
      assert.equal(scoped.mfa_settings, 1);
      assert.ok((unscoped.mfa_settings ?? 0) > 2, `without a scope every step reads the settings (${unscoped.mfa_settings})`);
      // Once before the code's single-use write, once after it: the write drops what the scope kept.
      assert.equal(scoped.mfa_user_factors, 2);
      assert.ok((unscoped.mfa_user_factors ?? 0) > 4);
      assert.equal(scoped.mfa_attempts, 1);
    });

    it('sees a setting changed within the scope at once', async () => {
      await withOperationScope(async () => {
        assert.equal((await t.mfa.settings.snapshot()).integer('lockout_threshold'), 10);
        await withSettings(t.mfa, { lockout_threshold: 7 }, async () => {
          assert.equal((await t.mfa.settings.snapshot()).integer('lockout_threshold'), 7);
        });
      });
    });

    it('refuses a TOTP code another request used while this scope held the user’s records: the single-use write compares versions in the database', async () => {
      const user = t.host.addUser('scope-replay');
      const { secret } = await enrolTotp(t, user);
      t.clock.advance(30_000);
      const code = await codeFor(secret, t.clock.time);
      const [mine, theirs] = [await pendingAttempt(t, user), await pendingAttempt(t, user)];
      await withOperationScope(async () => {
        // This request reads the records (they are kept for the scope) ...
        assert.equal((await t.mfa.engine.status(mine.id, facts)).outcome, 'pending');
        // ... another request, on any instance, uses the code meanwhile ...
        const passed = await outsideOperationScope(() => t.mfa.engine.verify(theirs.id, totpFactor, { code }, facts));
        assert.equal(passed.outcome, 'passed');
        // ... so this one is refused, although what it kept says the code is unused.
        await assert.rejects(t.mfa.engine.verify(mine.id, totpFactor, { code }, facts), (error: { code?: string; details?: { reason?: string } }) => {
          assert.equal(error.code, 'INVALID_CODE');
          assert.equal(error.details?.reason, 'replayed');
          return true;
        });
      });
    });
  });
}
