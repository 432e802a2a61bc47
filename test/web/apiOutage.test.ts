import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import supertest from 'supertest';
import { databaseKinds } from '../support/databases.ts';
import { createTestSite, TEST_PASSWORD } from '../support/testSite.ts';

for (const kind of databaseKinds) {
  describe(`the JSON API when the database is gone, on ${kind}`, () => {
    it('answers 503 in JSON with Retry-After, never a 500', async () => {
      const site = await createTestSite(kind);
      try {
        await site.addUser('during-outage');
        const made = await supertest(site.app).post('/api/v1/session').send({ username: 'during-outage', password: TEST_PASSWORD }).expect(201);
        const session = made.body.session as string;
        await site.database.db.destroy();
        for (const call of [
          supertest(site.app).get('/api/v1/me').set('Authorization', `Bearer ${session}`),
          supertest(site.app).post('/api/v1/session').send({ username: 'during-outage', password: TEST_PASSWORD }),
          supertest(site.app).post('/api/v1/tokens').set('Authorization', `Bearer ${session}`).send({ name: 'x' }),
        ]) {
          const res = await call;
          assert.equal(res.status, 503, `${res.status} ${JSON.stringify(res.body)}`);
          assert.equal(res.body.code, 'DATABASE_UNAVAILABLE');
          assert.equal(res.headers['retry-after'], '30');
          assert.ok(!JSON.stringify(res.body).includes(session.slice(4)));
        }
      } finally {
        await site.close();
      }
    });
  });
}
