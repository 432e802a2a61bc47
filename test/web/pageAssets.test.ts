/**
 * The web door serves what its pages load (issue 21: a host that installs the package gets
 * styled, working pages without serving anything itself), under /mfa/assets, leaving the
 * host's own /assets to the host.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PAGE_ASSETS } from '../../web/pageAssets.ts';
import { createTestSite, type TestSite } from '../support/testSite.ts';

describe('the pages’ own files come with the web door', () => {
  let site: TestSite;
  before(async () => {
    site = await createTestSite('sqlite');
  });
  after(() => site.close());

  it('serves each file the pages load, with its type, to a browser that is not logged in', async () => {
    const login = await site.browser().agent.get('/login').expect(200);
    assert.match(login.text, /<link rel="stylesheet" href="\/mfa\/assets\/site\.css">/);
    for (const name of Object.keys(PAGE_ASSETS)) {
      const file = await site.browser().agent.get(`/mfa/assets/${name}`).expect(200);
      assert.match(String(file.headers['content-type']), name.endsWith('.css') ? /^text\/css/ : /^text\/javascript/, name);
    }
    await site.browser().agent.get('/mfa/assets/package.json').expect(404);
    await site.browser().agent.get('/mfa/assets/..%2Fpackage.json').expect(404);
  });

  it('leaves /assets to the host: the reference site serves its own launch script there', async () => {
    await site.browser().agent.get('/assets/openApp.js').expect(200).expect('content-type', /javascript/);
    await site.browser().agent.get('/assets/site.css').expect(404);
  });
});
