import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { createUser } from '../../lms/users.ts';
import { createTestSite, TEST_PASSWORD, type TestSite } from '../support/testSite.ts';
import { TEST_PASSWORD_HASHING } from '../support/testPasswordHashing.ts';

/** Markup a `script-src 'self'; style-src 'self'` policy would block: the pages must not rely on it. */
const INLINE_CODE = /<script(?![^>]*\ssrc=)[^>]*>|<style[\s>]|\sstyle=|\son[a-z]+=/i;

describe('security headers on the reference site', () => {
  let site: TestSite;
  before(async () => {
    site = await createTestSite('sqlite');
    await createUser(site.database.db, { username: 'boss', email: 'boss@example.test', password: TEST_PASSWORD, isAdmin: true, passwordHashing: TEST_PASSWORD_HASHING });
  });
  after(() => site.close());

  it('allows scripts, styles and form posts only from the site itself', async () => {
    const res = await supertest(site.app).get('/login').expect(200);
    const policy = String(res.headers['content-security-policy']);
    for (const directive of ["script-src 'self'", "style-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "object-src 'none'"]) {
      assert.ok(policy.includes(directive), `${directive} in ${policy}`);
    }
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  });

  it('serves pages with no inline script or style, so the policy breaks none of them', async () => {
    const browser = site.browser();
    await browser.login('boss');
    for (const path of ['/login', '/logout', '/my', '/admin', '/user/security', '/no-such-page']) {
      const res = await browser.agent.get(path);
      assert.ok(res.status < 500, `${path}: ${res.status}`);
      assert.doesNotMatch(res.text, INLINE_CODE, path);
    }
  });

  it('explains a refused form on a full page of the site, in words a person can act on', async () => {
    const res = await supertest(site.app).post('/login').accept('html').type('form').send({ username: 'boss', password: TEST_PASSWORD }).expect(403);
    assert.match(res.text, /Your form expired or came from another site\. Go back, reload the page and try again\./);
    assert.match(res.text, /<html lang="en">/);
    assert.match(res.text, /Test LMS/);
  });
});
