import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { siteFactors } from '../../plugin/loadFactorModules.ts';
import { runCliInProcess } from '../cli/runCliInProcess.ts';
import { MAGIC_WORD_FACTOR_ID } from '../factors/magicWord/magicWordFactor.ts';
import { assertMoodleError, MoodleAppClient } from '../support/moodleApp.ts';
import { createTestSite, csrfFrom, type TestBrowser, type TestSite } from '../support/testSite.ts';

/**
 * Issue 12: a factor defined in test/ (test/factors/magicWord/), added to the site through
 * configuration only, shows up on the admin settings page, /mfa, /user/security, the CLI and
 * the token door, with no core or door file knowing it. The site gets it the way a real
 * site does from MFA_FACTORS (siteFactors, the loader npm start and the CLI use), and its
 * settings come from the factor itself.
 */
const ID = MAGIC_WORD_FACTOR_ID;
const SLUG = 'magic-word';
const FOLDER = fileURLToPath(new URL('../factors/magicWord/magicWordFactor.ts', import.meta.url));

describe('a drop-in factor defined in test/ (sqlite)', () => {
  let site: TestSite;
  before(async () => {
    site = await createTestSite('sqlite', { factors: await siteFactors([FOLDER]) });
  });
  after(() => site.close());


  /** Chooses a magic word from /user/security as a person does. */
  async function withMagicWord(username: string, word: string): Promise<TestBrowser> {
    await site.addUser(username);
    const browser = site.browser();
    await browser.login(username);
    const security = await browser.agent.get('/user/security').expect(200);
    assert.match(security.text, /<h3>A magic word<\/h3>/);
    const step = await browser.agent.post(`/user/security/${SLUG}/setup`).type('form').send({ _csrf: csrfFrom(security.text) }).expect(200);
    assert.match(step.text, /Choose a word of at least 5 letters/);
    const setupId = /name="setupId" value="(\d+)"/.exec(step.text)?.[1];
    const short = await browser.agent.post(`/user/security/${SLUG}/confirm`).type('form').send({ _csrf: csrfFrom(step.text), setupId, code: 'abc' }).expect(400);
    assert.match(short.text, /at least 5 letters/);
    await browser.agent.post(`/user/security/${SLUG}/confirm`).type('form').send({ _csrf: csrfFrom(step.text), setupId, code: word }).expect(303).expect('location', '/user/security');
    const listed = await browser.agent.get('/user/security').expect(200);
    assert.match(listed.text, /Your magic word is set\./);
    assert.match(listed.text, /<td>Magic word<\/td><td>Magic word<\/td>/);
    await browser.logout();
    return browser;
  }

  it('shows its settings on the admin page', async () => {
    await site.addUser('site-admin', undefined, true);
    const admin = site.browser();
    await admin.login('site-admin');
    const page = await admin.agent.get('/admin/mfa/settings').expect(200);
    assert.match(page.text, new RegExp(`name="factor\\.${ID}\\.min_length"`));
    assert.match(page.text, /Shortest magic word/);
  });

  it('is set up, used at /mfa, and removed from /user/security', async () => {
    const browser = await withMagicWord('wordsmith', 'xyzzy');
    assert.equal((await browser.login('wordsmith')).headers.location, '/mfa');
    const prompt = await browser.agent.get('/mfa').expect(200);
    assert.match(prompt.text, /<label for="code">Your magic word<\/label>/);
    assert.match(prompt.text, /inputmode="text"/);
    await browser.agent.post('/mfa').type('form').send({ _csrf: csrfFrom(prompt.text), factor: ID, code: 'plugh' }).expect(401);
    await browser.agent.post('/mfa').type('form').send({ _csrf: csrfFrom(prompt.text), factor: ID, code: 'XYZZY' }).expect(303).expect('location', '/my');
    const security = await browser.agent.get('/user/security').expect(200);
    const id = new RegExp(`name="factor" value="${ID}">\\s*<input type="hidden" name="id" value="(\\d+)"`).exec(security.text)?.[1];
    assert.ok(id, 'its device is listed');
    await browser.agent.post('/user/security/devices/remove').type('form').send({ _csrf: csrfFrom(security.text), factor: ID, id }).expect(303);
    assert.match((await browser.agent.get('/user/security').expect(200)).text, /Your magic word is gone\./);
  });

  it('passes the token door with mfa_factor=<its id> and a code', async () => {
    await site.mfa.settings.set('mobile_app_mfa', true, 'admin');
    try {
      await withMagicWord('app-wordsmith', 'frobozz');
      const app = new MoodleAppClient(site, 'POST');
      const first = await app.login('app-wordsmith');
      assertMoodleError(first, 'mfarequired');
      assert.deepEqual(first.body.mfa_factors, [ID]);
      assertMoodleError(await app.call({ mfa_token: first.body.mfa_token, mfa_factor: ID, mfa_code: 'zork' }), 'invalidmfacode');
      const issued = await app.call({ mfa_token: first.body.mfa_token, mfa_factor: ID, mfa_code: 'frobozz' });
      assert.equal(issued.status, 200, issued.text);
      assert.equal(typeof issued.body.token, 'string', issued.text);
    } finally {
      await site.mfa.settings.set('mobile_app_mfa', false, 'admin');
    }
  });

  it('has its settings changed from the CLI, loaded through MFA_FACTORS', async () => {
    const set = await runCliInProcess(['settings', 'set', `factor.${ID}.min_length`, '8'], site.database.url, { MFA_FACTORS: FOLDER });
    assert.equal(set.code, 0, set.stderr);
    assert.equal((await site.mfa.settings.snapshot()).integer(`factor.${ID}.min_length`), 8);
    const refused = await runCliInProcess(['settings', 'set', `factor.${ID}.min_length`, '2'], site.database.url, { MFA_FACTORS: FOLDER });
    assert.equal(refused.code, 1, 'below its declared minimum');
  });
});
