import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { createTestSite, csrfFrom, TEST_PASSWORD, type TestSite } from '../support/testSite.ts';

/** Raw bodies a careless client or a scanner sends; each must get a 4xx, never a 5xx and never a token. */
function oddBodies(csrf: string): Array<[string, string, string]> {
  const manyFields = Array.from({ length: 200 }, (_, i) => `f${i}=x`).join('&');
  const deepJson = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
  return [
    ['form with 200 fields', 'application/x-www-form-urlencoded', `_csrf=${csrf}&${manyFields}`],
    ['broken percent-encoding', 'application/x-www-form-urlencoded', `_csrf=${csrf}&username=%E0%A4%A&password=%%%&service=moodle_mobile_app`],
    ['bracketed names', 'application/x-www-form-urlencoded', `_csrf=${csrf}&username[]=a&password[x]=b&service=moodle_mobile_app`],
    ['deeply nested JSON', 'application/json', deepJson],
    ['JSON string', 'application/json', '"just a string"'],
    ['JSON null', 'application/json', 'null'],
    ['JSON with numbers for text', 'application/json', JSON.stringify({ _csrf: csrf, username: 12, password: 34, service: true })],
    ['JSON prototype keys', 'application/json', `{"_csrf":"${csrf}","__proto__":{"username":"student"},"constructor":{"prototype":{"password":"x"}}}`],
    ['plain text', 'text/plain', 'username=student&password=x'],
    ['no content type', '', 'username=student'],
    ['NUL bytes', 'application/x-www-form-urlencoded', `_csrf=${csrf}&username=stu%00dent&password=${encodeURIComponent(TEST_PASSWORD)}%00&service=moodle_mobile_app`],
    ['form over the size limit', 'application/x-www-form-urlencoded', `_csrf=${csrf}&username=${'u'.repeat(30_000)}&password=x&service=moodle_mobile_app`],
  ];
}

describe('odd input at the two login doors', () => {
  let site: TestSite;
  before(async () => {
    site = await createTestSite('sqlite');
    await site.addUser('student');
  });
  after(() => site.close());

  // The web form answers in HTTP (4xx); token.php in Moodle's contract (200 and an errorcode: the app reads nothing else).
  for (const [path, refused] of [
    ['/login', (res: supertest.Response) => res.status >= 400 && res.status < 500],
    ['/login/token.php', (res: supertest.Response) => res.status === 200 && typeof res.body?.errorcode === 'string'],
  ] as const) {
    it(`refuses every odd body at ${path} in its own contract, without logging anyone in`, async () => {
      const agent = supertest.agent(site.app);
      const csrf = csrfFrom((await agent.get('/login')).text);
      for (const [name, type, body] of oddBodies(csrf)) {
        const request = agent.post(path);
        if (type) request.set('Content-Type', type);
        const res = await request.send(body);
        assert.ok(refused(res), `${name}: ${res.status} ${res.text.slice(0, 160)}`);
        assert.equal(res.body?.token, undefined, name);
      }
      await agent.get('/my').expect(303);
    });
  }

  it('answers odd query strings on GET /login with the form', async () => {
    for (const query of ['returnTo[]=/my', 'returnTo=%E0%A4%A', `returnTo=/${'a'.repeat(5000)}`, 'notice[x]=1']) {
      const res = await supertest(site.app).get(`/login?${query}`);
      assert.equal(res.status, 200, query);
      assert.match(res.text, /name="password"/);
    }
  });
});
