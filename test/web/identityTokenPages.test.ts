import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { databaseKinds } from '../support/databases.ts';
import { loggedInWithApp } from '../support/securityPageSteps.ts';
import { createTestSite, csrfFrom, type TestSite } from '../support/testSite.ts';

const PAGE = '/user/security/tokens';

for (const kind of databaseKinds) {
  describe(`identity tokens on the security pages, ${kind}`, () => {
    let site: TestSite;
    before(async () => {
      site = await createTestSite(kind);
    });
    after(() => site.close());

    it('makes a token right after MFA, shows it once, and it works on the API without MFA', async () => {
      const { browser } = await loggedInWithApp(site, 'maker');
      const page = await browser.agent.get(PAGE).expect(200);
      assert.match(page.text, /You have no tokens/);
      assert.match(page.text, /site:read: Read the site’s name/);
      const made = await browser.agent.post(PAGE).type('form').send({ _csrf: csrfFrom(page.text), name: 'Upload <script>', lifetime: '30', scope: 'site:read' }).expect(201);
      assert.equal(made.headers['cache-control'], 'no-store');
      const token = /data-testid="new-token">(mbi_[A-Za-z0-9_-]+)</.exec(made.text)?.[1];
      assert.ok(token, 'the token is on the page');
      assert.match(made.text, /Upload &lt;script&gt;/);
      const site_ = await supertest(site.app).get('/api/v1/site').set('Authorization', `Bearer ${token}`).expect(200);
      assert.equal(site_.body.username, 'maker');

      const list = await browser.agent.get(PAGE).expect(200);
      assert.doesNotMatch(list.text, new RegExp(token), 'the list never shows it again');
      assert.match(list.text, /<td class="token-name">Upload &lt;script&gt;<\/td><td data-label="Kind">Identity token<\/td><td data-label="Scope">site:read<\/td>/);
      assert.match(list.text, /<td data-label="Expires">2026-12-2\d \d\d:\d\d UTC<\/td>/, '30 days from the test clock');

      const security = await browser.agent.get('/user/security').expect(200);
      assert.match(security.text, /<h2 id="tokens-heading">Tokens for scripts and apps<\/h2>/);
      assert.match(security.text, /<td class="token-name">Upload &lt;script&gt;<\/td><td data-label="Kind">Identity token<\/td>/);
      assert.match(security.text, /An identity token was made: “Upload &lt;script&gt;”/);
      await site.mfa.notifications.settled();
      const mail = site.mail.find((m) => m.to === 'maker@example.test' && /token for scripts/.test(m.subject));
      assert.ok(mail, 'the owner is told a token was made');
      assert.match(mail.text, /"Upload <script>"/);
      assert.ok(!mail.text.includes(token), 'the mail never carries the token');
    });

    it('says what is wrong beside the field and makes nothing', async () => {
      const { browser } = await loggedInWithApp(site, 'typo');
      const page = await browser.agent.get(PAGE).expect(200);
      const refused = await browser.agent.post(PAGE).type('form').send({ _csrf: csrfFrom(page.text), name: '   ', lifetime: '90' }).expect(400);
      assert.match(refused.text, /<p id="name-error" class="error">Give the token a name/);
      assert.match(refused.text, /aria-invalid="true" aria-describedby="name-error"/);
      const scope = await browser.agent.post(PAGE).type('form').send({ _csrf: csrfFrom(page.text), name: 'x', scope: 'grades:write' }).expect(400);
      assert.match(scope.text, /id="scope-error"/);
      assert.equal((await site.database.db('mfa_identity_tokens')).filter((r: { name: string }) => r.name === 'x').length, 0);
    });

    it('asks for MFA again before making a token when the pass is old, but revokes without asking', async () => {
      const { browser } = await loggedInWithApp(site, 'older');
      const page = await browser.agent.get(PAGE).expect(200);
      const first = await browser.agent.post(PAGE).type('form').send({ _csrf: csrfFrom(page.text), name: 'Sync', lifetime: 'never' }).expect(201);
      const token = /data-testid="new-token">(mbi_[A-Za-z0-9_-]+)</.exec(first.text)?.[1] ?? '';
      site.clock.advance(11 * 60_000);
      const stale = await browser.agent.post(PAGE).type('form').send({ _csrf: csrfFrom(page.text), name: 'Another' }).expect(403);
      assert.match(stale.text, /Verify it’s you/);
      assert.match(stale.text, /name="returnTo" value="\/user\/security\/tokens"/);
      const list = await browser.agent.get(PAGE).expect(200);
      const id = /name="token" value="(identity:\d+)"/.exec(list.text)?.[1];
      await browser.agent.post(`${PAGE}/revoke`).type('form').send({ _csrf: csrfFrom(list.text), token: id }).expect(303);
      const after = await browser.agent.get(PAGE).expect(200);
      assert.match(after.text, /Token revoked/);
      await supertest(site.app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(401);
    });

    it('refuses a form without its CSRF token, and sends a visitor who is not logged in to the login page', async () => {
      const { browser } = await loggedInWithApp(site, 'forged');
      await browser.agent.post(PAGE).type('form').send({ name: 'Forged' }).expect(403);
      assert.equal((await site.database.db('mfa_identity_tokens')).filter((r: { name: string }) => r.name === 'Forged').length, 0);
      const anonymous = await supertest(site.app).get(PAGE).expect(303);
      assert.match(String(anonymous.headers.location), /^\/login\?returnTo=/);
    });
  });
}
