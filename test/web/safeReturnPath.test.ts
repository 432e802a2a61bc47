import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { safeReturnPath } from '../../adapters/express/safeReturnPath.ts';

/** Would a browser on https://lms.example leave the site when sent to this Location? */
function leavesTheSite(location: string): boolean {
  // Browsers strip tabs and newlines and read \ as / before resolving (WHATWG URL).
  return new URL(location.replace(/[\t\n\r]/g, ''), 'https://lms.example/login').origin !== 'https://lms.example';
}

/** Inputs meant to end up somewhere else (issue 11 finding 7 and its cousins). */
const NASTY = [
  '/.//evil.example',
  '/./\\evil.example',
  '/..//evil.example',
  '/a/..//evil.example',
  '/a/../..//evil.example',
  '/%2e//evil.example',
  '/%2E%2E//evil.example',
  '//evil.example',
  '///evil.example',
  '/\\evil.example',
  '/\\\\evil.example',
  '\\\\evil.example',
  '\\/evil.example',
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r\n/evil.example',
  'https://evil.example',
  'javascript:alert(1)',
  'evil.example',
  '',
  '/'.padEnd(2001, 'a'),
];

/** Inputs that stay on the site but may look odd: each must come back same-origin or null. */
const ODD = ['/.%2f/evil.example', '/ /evil.example', '/%09/evil.example', '/%2F%2Fevil.example', '/%5Cevil.example', '/%2f%2fevil', '/／／evil.example', '/\u2215\u2215evil.example', '/\u3002/evil', '/é/x?é=1#é', '/a/./b/../c', '/x?next=//evil.example', '/#//evil.example'];

describe('safeReturnPath (issue 11 finding 7)', () => {
  it('keeps ordinary same-origin paths, query and fragment included', () => {
    assert.equal(safeReturnPath('/my'), '/my');
    assert.equal(safeReturnPath('/course/view.php?id=2#section-3'), '/course/view.php?id=2#section-3');
    assert.equal(safeReturnPath('/a/./b/../c'), '/a/c', 'normalised as the browser would');
  });

  for (const input of NASTY) {
    it(`refuses ${JSON.stringify(input.slice(0, 40))}`, () => {
      const result = safeReturnPath(input);
      assert.ok(result === null || !leavesTheSite(result), `${JSON.stringify(input)} gave ${JSON.stringify(result)}, which leaves the site`);
      assert.equal(result, null);
    });
  }

  for (const input of ODD) {
    it(`never leaves the site for ${JSON.stringify(input)}`, () => {
      const result = safeReturnPath(input);
      if (result === null) return;
      assert.ok(!leavesTheSite(result), `${JSON.stringify(input)} gave ${JSON.stringify(result)}`);
      assert.equal(safeReturnPath(result), result, 'stable: the answer passes its own check unchanged');
    });
  }

  it('never answers a path that leaves the site, over generated inputs', () => {
    const pieces = ['/', '//', '\\', '.', '..', '%2e', '%2f', '%5c', '%09', '\t', '\n', 'evil.example', '@', ':', '?', '#', 'é', '／', ' '];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % pieces.length;
    let checked = 0;
    for (let i = 0; i < 5000; i++) {
      const input = `/${Array.from({ length: 1 + (i % 6) }, () => pieces[next()]).join('')}`;
      const result = safeReturnPath(input);
      if (result === null) continue;
      checked++;
      assert.ok(!leavesTheSite(result), `${JSON.stringify(input)} gave ${JSON.stringify(result)}`);
      assert.ok(result.startsWith('/') && !result.startsWith('//'), `${JSON.stringify(result)} is a plain path`);
    }
    assert.ok(checked > 500, `enough inputs were accepted to mean something (${checked})`);
  });
});
