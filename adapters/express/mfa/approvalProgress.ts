import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import { MfaError } from '../../../plugin/errors.ts';
import type { RequestFacts } from '../../../plugin/spi/factor.ts';

/** Where an approval on another device stands (prompt kind 'approval'). */
export type ApprovalAnswer = 'waiting' | 'approved' | 'denied';

/**
 * Asks the approval factor how its request stands, without counting anything: its
 * `state(attempt)` answers 'pass' once approved, 'fail' once denied, anything else while
 * waiting (plugin/spi/factorPresentation.ts, FactorPrompt 'approval'). An approval is then
 * spent through engine.verify like any input, so lockout and audit stay the engine's.
 * Throws ATTEMPT_EXPIRED or ATTEMPT_FAILED when the login is gone (a Deny cancels it).
 */
export async function approvalAnswer(plugin: MfaPlugin, attemptId: string, factorId: string, facts: RequestFacts): Promise<ApprovalAnswer> {
  const status = await plugin.engine.status(attemptId, facts);
  const settings = await plugin.settings.snapshot();
  const factory = plugin.registry.enabledFactory(factorId, settings);
  if (factory.presentation?.prompt?.kind !== 'approval') throw new MfaError('FACTOR_NOT_AVAILABLE', 'That way of verifying is not approved on another device.');
  const state = await plugin.registry.provider(factory, settings).state(status.attempt, facts);
  return state === 'pass' ? 'approved' : state === 'fail' ? 'denied' : 'waiting';
}
