import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDatabaseUnavailable } from '../../plugin/store/openDatabase.ts';

/** Which driver errors the doors answer with 503 (try again) instead of 500 (a bug). */
describe('telling a database outage from a bug', () => {
  it('takes mysql2’s fatal errors without a code as an outage (a ROLLBACK on a connection the server dropped)', () => {
    // What a request in flight got when the test's private MariaDB was killed (test/site/databaseOutage.test.ts).
    const closed = Object.assign(new Error("ROLLBACK - Can't add new command when connection is in closed state"), { fatal: true });
    assert.equal(isDatabaseUnavailable(closed), true);
  });

  it('takes refused and lost connections as an outage', () => {
    for (const code of ['ECONNREFUSED', 'PROTOCOL_CONNECTION_LOST', 'SQLITE_BUSY']) assert.equal(isDatabaseUnavailable(Object.assign(new Error(code), { code })), true, code);
  });

  it('does not take a query’s own error, or a plain bug, for an outage', () => {
    assert.equal(isDatabaseUnavailable(Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY', fatal: false })), false);
    assert.equal(isDatabaseUnavailable(new TypeError("Cannot read properties of undefined (reading 'id')")), false);
  });
});
