import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FactorStanding } from '../../plugin/engine/decideOutcome.ts';
import { chooseFactor, factorsFor } from '../../plugin/login/factorChoice.ts';
import type { LoginFactor } from '../../plugin/login/loginStep.ts';
import { isMfaError } from '../../plugin/errors.ts';
import { phishingResistantFirst } from '../../plugin/engine/factorRegistry.ts';
import { builtInFactors } from '../../plugin/factors/index.ts';
import type { FactorCapabilities } from '../../plugin/spi/factor.ts';
import { databaseKinds } from '../support/databases.ts';
import { withSettings } from '../support/withSettings.ts';
import { facts } from '../support/emailSteps.ts';
import { createTestPlugin, type TestPlugin } from '../support/testPlugin.ts';

const typed: FactorCapabilities = { requiresInput: true, sendsChallenge: false, worksWithoutBrowser: true, phishingResistant: false, userSetupAllowed: true };

function standing(id: string, capabilities: Partial<FactorCapabilities>, state: FactorStanding['state'] = 'unknown', backup = false): LoginFactor {
  return { id, displayName: id, referenceCategory: 'any', requiresInput: true, capabilities: { ...typed, ...capabilities }, configured: true, state, weight: 100, triesLeft: 3, prompt: 'code', backup };
}

/** A client without a browser: `sentCodes` false where the code must come with the password. */
const codeFactors = (factors: LoginFactor[], options: { sentCodes: boolean }) => factorsFor(factors, { browser: false, ...options });

/** The factor chosen for a bare (or named) code, or why none is: `ambiguous` when the caller must say which. */
function chooseCodeFactor(factors: LoginFactor[], requested: string | undefined): { factorId: string } | { refused: string } {
  try {
    return { factorId: chooseFactor(factors, requested, 'answer', { browser: false, sentCodes: true }).id };
  } catch (error) {
    if (isMfaError(error, 'FACTOR_REQUIRED')) return { refused: 'ambiguous' };
    throw error;
  }
}

describe('which factors a door offers, by capabilities', () => {
  it('orders phishing-resistant factors first and keeps registration order otherwise', () => {
    const ordered = phishingResistantFirst([
      { id: 'a', capabilities: { phishingResistant: false } },
      { id: 'key', capabilities: { phishingResistant: true } },
      { id: 'b', capabilities: { phishingResistant: false } },
      { id: 'push', capabilities: { phishingResistant: true } },
    ]);
    assert.deepEqual(ordered.map((f) => f.id), ['key', 'push', 'a', 'b']);
  });

  it('offers to a client without a browser what it can answer, and leaves out what needs a request first where it cannot make one', () => {
    const factors = [
      standing('app', {}),
      standing('mailed', { sendsChallenge: true }),
      standing('key', { worksWithoutBrowser: false, phishingResistant: true, sendsChallenge: true }),
      standing('sms', { sendsChallenge: true }),
    ];
    assert.deepEqual(codeFactors(factors, { sentCodes: true }).usable.map((f) => f.id), ['app', 'mailed', 'sms']);
    assert.deepEqual(codeFactors(factors, { sentCodes: false }).usable.map((f) => f.id), ['app']);
  });

  it('takes a bare code for the first factor offered when it needs no request first, and asks otherwise', () => {
    const app = standing('app', {});
    const backup = standing('backup', {}, 'unknown', true);
    const mailed = standing('mailed', { sendsChallenge: true });
    assert.deepEqual(chooseCodeFactor([app, mailed, backup], undefined), { factorId: 'app' });
    assert.deepEqual(chooseCodeFactor([mailed, backup], undefined), { refused: 'ambiguous' });
    assert.deepEqual(chooseCodeFactor([mailed], undefined), { factorId: 'mailed' });
    assert.deepEqual(chooseCodeFactor([standing('app', {}, 'locked'), mailed, backup], undefined), { refused: 'ambiguous' });
    assert.deepEqual(chooseCodeFactor([app, backup], 'backup'), { factorId: 'backup' });
  });
});

for (const kind of databaseKinds) {
  describe(`the order factors are offered in on ${kind}`, () => {
    let t: TestPlugin;
    before(async () => {
      t = await createTestPlugin(kind);
    });
    after(() => t.drop());

    it('lists phishing-resistant factors first in an attempt’s status and in the set-up options, the rest in registration order', async () => {
      const user = t.host.addUser('order');
      // Push is off by default; on here, so two phishing-resistant factors keep their registration order.
      await withSettings(t.mfa, { require_setup: true, 'factor.push.enabled': true }, async () => {
        const opened = await t.mfa.engine.openAttempt({ user, door: 'web', facts });
        assert.ok(opened.outcome !== 'not_required');
        const settings = await t.mfa.settings.snapshot();
        const enabled = builtInFactors.filter((f) => settings.boolean(`factor.${f.id}.enabled`));
        const expected = [...enabled.filter((f) => f.capabilities.phishingResistant), ...enabled.filter((f) => !f.capabilities.phishingResistant)].map((f) => f.id);
        assert.deepEqual(expected.slice(0, 2), ['webauthn', 'push'], 'security keys and push come first');
        assert.deepEqual(opened.factors.map((f) => f.id), expected);
        const options = (await t.mfa.enrolment.setupOptions()).map((o) => o.id);
        assert.deepEqual(options, expected.filter((id) => builtInFactors.find((f) => f.id === id)?.userSetupAllowed));
      });
    });
  });
}
