import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRecentMfaPass } from '../../plugin/engine/recentMfaPass.ts';

describe('isRecentMfaPass', () => {
  const now = Date.UTC(2026, 10, 23, 10, 0, 0);
  it('accepts a pass inside the window and refuses one at or past its end', () => {
    assert.equal(isRecentMfaPass({ passedAt: now - 9 * 60_000, now, minutes: 10 }), true);
    assert.equal(isRecentMfaPass({ passedAt: now - 10 * 60_000, now, minutes: 10 }), false);
    assert.equal(isRecentMfaPass({ passedAt: now - 60 * 60_000, now, minutes: 10 }), false);
  });
  it('refuses a session with no pass time, and one from the future', () => {
    assert.equal(isRecentMfaPass({ passedAt: undefined, now, minutes: 10 }), false);
    assert.equal(isRecentMfaPass({ passedAt: null, now, minutes: 10 }), false);
    assert.equal(isRecentMfaPass({ passedAt: now + 60_000, now, minutes: 10 }), false);
  });
});
