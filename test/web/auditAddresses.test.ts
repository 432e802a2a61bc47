import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loggedInWithApp, userIdOf } from '../support/securityPageSteps.ts';
import { createTestSite, type TestSite } from '../support/testSite.ts';

describe('addresses in the audit log and security mails', () => {
  let site: TestSite;
  before(async () => {
    site = await createTestSite('sqlite');
  });
  after(() => site.close());

  it('records a factor change from the same address the login saw, normalised (not ::ffff:127.0.0.1)', async () => {
    await loggedInWithApp(site, 'addressed');
    const userId = await userIdOf(site, 'addressed');
    const [added] = await site.mfa.audit.recent({ userId, event: 'factor_added' });
    const [passed] = await site.mfa.audit.recent({ userId, event: 'mfa_passed' });
    assert.equal(added?.ip, '127.0.0.1');
    assert.equal(added?.ip, passed?.ip);
  });
});
