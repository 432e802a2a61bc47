import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addAuthenticatorApp, userIdOf } from '../support/securityPageSteps.ts';
import { createTestSite, type TestSite } from '../support/testSite.ts';

describe('addresses in the audit log and security mails', () => {
  let site: TestSite;
  before(async () => {
    site = await createTestSite('sqlite');
  });
  after(() => site.close());

  it('records a factor change from the address the login saw: behind a trusted proxy, the forwarded one', async () => {
    await site.mfa.settings.set('trust_proxy', true, 'admin');
    try {
      await site.addUser('addressed');
      const browser = site.browser();
      browser.agent.set('X-Forwarded-For', '203.0.113.7');
      await browser.login('addressed', undefined, { 'X-Forwarded-For': '203.0.113.7' });
      await addAuthenticatorApp(site, browser);
      const userId = await userIdOf(site, 'addressed');
      const [opened] = await site.mfa.audit.recent({ userId, event: 'attempt_opened' });
      const [added] = await site.mfa.audit.recent({ userId, event: 'factor_added' });
      assert.equal(opened?.ip, '203.0.113.7');
      assert.equal(added?.ip, '203.0.113.7');
      await site.mfa.notifications.settled();
      assert.match(site.mail.at(-1)?.text ?? '', /From IP: 203\.0\.113\.7/);
    } finally {
      await site.mfa.settings.set('trust_proxy', false, 'admin');
    }
  });
});
