import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import supertest from 'supertest';
import { findUserByUsername } from '../../lms/users.ts';
import { totpFactor } from '../../plugin/factors/totp/index.ts';
import { databaseKinds } from '../support/databases.ts';
import { codeFor } from '../support/totpDevice.ts';
import { createTestSite, TEST_PASSWORD, type TestSite } from '../support/testSite.ts';

for (const kind of databaseKinds) {
  describe(`identity tokens and service tokens on ${kind}`, () => {
    let site: TestSite;
    let secret = '';
    const api = () => supertest(site.app);
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

    /** A session made with password + a current code: an MFA pass now. */
    async function freshSession(username = 'uploader'): Promise<string> {
      const body: Record<string, string> = { username, password: TEST_PASSWORD };
      if (username === 'uploader') body.code = await codeFor(secret, site.clock.time);
      const res = await api().post('/api/v1/session').send(body).expect(201);
      site.clock.advance(30_000);
      return res.body.session;
    }
    async function makeToken(session: string, body: Record<string, unknown>): Promise<{ id: string; token: string }> {
      const res = await api().post('/api/v1/tokens').set(bearer(session)).send(body).expect(201);
      return res.body;
    }

    before(async () => {
      site = await createTestSite(kind);
      await site.addUser('uploader');
      await site.addUser('someone-else');
      const user = await findUserByUsername(site.database.db, 'uploader');
      assert.ok(user);
      const setup = await site.mfa.enrolment.beginSetup(user, totpFactor, {});
      await site.mfa.enrolment.confirmSetup(user, 'totp', { setupId: setup.setupId, code: await codeFor(setup.secret, site.clock.time) }, { actor: 'uploader', ip: null });
      secret = setup.secret;
      site.clock.advance(30_000);
    });
    after(() => site.close());

    it('makes a named, scoped token shown once and stored only as a hash; it works without MFA', async () => {
      const session = await freshSession();
      const res = await api().post('/api/v1/tokens').set(bearer(session)).send({ name: 'Lab upload PC', scope: ['site:read'] }).expect(201);
      assert.match(res.body.id, /^identity:\d+$/);
      assert.match(res.body.token, /^mbi_[A-Za-z0-9_-]{43}$/);
      assert.deepEqual(res.body.scope, ['site:read']);
      assert.equal(res.body.expiresAt, null);
      const rows = await site.database.db('mfa_identity_tokens').select();
      assert.equal(rows.length, 1);
      assert.ok(!JSON.stringify(rows).includes(res.body.token.slice(4)), 'the token is not in the database');
      const audit = await site.mfa.audit.recent({ event: 'identity_token_created' });
      assert.ok(!JSON.stringify(audit).includes(res.body.token.slice(4)), 'nor in the audit log');

      const me = await api().get('/api/v1/me').set(bearer(res.body.token)).expect(200);
      assert.equal(me.body.username, 'uploader');
      assert.equal(me.body.via, 'identity_token');
      assert.deepEqual(me.body.scope, ['site:read']);
      const siteInfo = await api().get('/api/v1/site').set(bearer(res.body.token)).expect(200);
      assert.equal(siteInfo.body.username, 'uploader');
      assert.equal((await site.mfa.audit.recent({ event: 'identity_token_used' })).length, 1);
    });

    it('lets a token do only what its scope names', async () => {
      const session = await freshSession();
      const { token } = await makeToken(session, { name: 'No scopes' });
      await api().get('/api/v1/me').set(bearer(token)).expect(200);
      const refused = await api().get('/api/v1/site').set(bearer(token)).expect(403);
      assert.equal(refused.body.code, 'FORBIDDEN');
      assert.match(refused.body.error, /site:read/);
    });

    it('never lets an identity token manage MFA or tokens', async () => {
      const session = await freshSession();
      const { token } = await makeToken(session, { name: 'Sync client', scope: 'site:read' });
      for (const [method, path] of [['post', '/api/v1/tokens'], ['get', '/api/v1/tokens'], ['delete', '/api/v1/tokens/identity:1'], ['post', '/api/v1/mfa/key'], ['post', '/api/v1/mfa'], ['delete', '/api/v1/mfa']] as const) {
        const res = await api()[method](path).set(bearer(token)).send({ name: 'x', code: '123456' });
        assert.equal(res.status, 403, `${method} ${path}`);
        assert.equal(res.body.code, 'FORBIDDEN');
      }
    });

    it('refuses to make a token without a recent MFA pass', async () => {
      const session = await freshSession();
      site.clock.advance(11 * 60_000);
      const res = await api().post('/api/v1/tokens').set(bearer(session)).send({ name: 'Late' }).expect(403);
      assert.equal(res.body.code, 'RECENT_MFA_REQUIRED');
      assert.match(res.body.error, /10 minutes/);
    });

    it('says what is wrong with a request: name, scope, expiry', async () => {
      const session = await freshSession();
      const cases: Array<[Record<string, unknown>, string, RegExp]> = [
        [{}, 'name', /name of 1 to 100/],
        [{ name: 'x'.repeat(101) }, 'name', /name of 1 to 100/],
        [{ name: 'ok', scope: ['grades:write'] }, 'scope', /Unknown scope grades:write\. This site offers: site:read/],
        [{ name: 'ok', scope: [42] }, 'scope', /list of scope names/],
        [{ name: 'ok', expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt', /in the future/],
        [{ name: 'ok', expiresAt: 'next week' }, 'expiresAt', /date and time/],
      ];
      for (const [body, field, message] of cases) {
        const res = await api().post('/api/v1/tokens').set(bearer(session)).send(body).expect(400);
        assert.equal(res.body.field, field, JSON.stringify(body));
        assert.match(res.body.error, message);
      }
      assert.equal((await site.database.db('mfa_identity_tokens').where({ name: 'ok' })).length, 0, 'nothing half-made');
    });

    it('stops a token when it expires', async () => {
      const session = await freshSession();
      const { token } = await makeToken(session, { name: 'One hour', expiresAt: new Date(site.clock.time + 3600_000).toISOString() });
      await api().get('/api/v1/me').set(bearer(token)).expect(200);
      site.clock.advance(3600_000);
      const res = await api().get('/api/v1/me').set(bearer(token)).expect(401);
      assert.equal(res.body.code, 'INVALID_TOKEN');
    });

    it('lists tokens with their last use, and revocation stops one on its next request', async () => {
      const session = await freshSession();
      const { id, token } = await makeToken(session, { name: 'Instrument PC', scope: ['site:read'] });
      await api().get('/api/v1/site').set(bearer(token)).expect(200);
      const listed = await api().get('/api/v1/tokens').set(bearer(session)).expect(200);
      const entry = listed.body.tokens.find((t: { id: string }) => t.id === id);
      assert.equal(entry.name, 'Instrument PC');
      assert.equal(entry.kind, 'identity');
      assert.equal(entry.lastUsedAt, new Date(site.clock.time).toISOString());
      assert.ok(!JSON.stringify(listed.body).includes(token), 'the list never shows a token');

      const other = await freshSession('someone-else');
      await api().delete(`/api/v1/tokens/${id}`).set(bearer(other)).expect(404);
      await api().get('/api/v1/site').set(bearer(token)).expect(200);

      await api().delete(`/api/v1/tokens/${id}`).set(bearer(session)).expect(204);
      const refused = await api().get('/api/v1/site').set(bearer(token)).expect(401);
      assert.equal(refused.body.code, 'INVALID_TOKEN');
      await api().delete(`/api/v1/tokens/${id}`).set(bearer(session)).expect(404);
      const revoked = await site.mfa.audit.recent({ event: 'identity_token_revoked' });
      assert.equal(revoked[0]?.actor, 'uploader');
    });

    it('stops every token and session of a suspended account at once', async () => {
      await site.addUser('leaver');
      const session = await freshSession('leaver');
      const { token } = await makeToken(session, { name: 'Leaver sync' });
      await api().get('/api/v1/me').set(bearer(token)).expect(200);
      await site.database.db('lms_users').where({ username: 'leaver' }).update({ suspended: true });
      for (const credential of [token, session]) {
        const res = await api().get('/api/v1/me').set(bearer(credential)).expect(401);
        assert.equal(res.body.code, 'INVALID_TOKEN');
      }
    });

    it('lists the tokens login/token.php issued, and revokes them the same way', async () => {
      const issued = await api().post('/login/token.php').type('form').send({ username: 'uploader', password: TEST_PASSWORD, service: 'moodle_mobile_app' }).expect(200);
      const siteInfo = () => api().post('/webservice/rest/server.php').type('form').send({ wstoken: issued.body.token, wsfunction: 'core_webservice_get_site_info', moodlewsrestformat: 'json' });
      assert.equal((await siteInfo().expect(200)).body.username, 'uploader');
      const session = await freshSession();
      const listed = await api().get('/api/v1/tokens').set(bearer(session)).expect(200);
      const service = listed.body.tokens.filter((t: { kind: string }) => t.kind === 'service');
      assert.equal(service.length, 1);
      assert.equal(service[0].name, 'Moodle mobile web service');
      assert.ok(service[0].lastUsedAt, 'the web service call was recorded');
      await api().delete(`/api/v1/tokens/${service[0].id}`).set(bearer(session)).expect(204);
      // Moodle's REST contract: HTTP 200 with the error in the body, which the app reads.
      const refused = await siteInfo().expect(200);
      assert.equal(refused.body.errorcode, 'invalidtoken');
      assert.equal(refused.body.exception, 'moodle_exception');
      assert.equal((await site.mfa.audit.recent({ event: 'service_token_revoked' })).length, 1);
      for (const bad of ['service:abc', 'service:999999', 'nothing:1', 'identity:x']) {
        await api().delete(`/api/v1/tokens/${bad}`).set(bearer(session)).expect(404);
      }
    });
  });
}
