import type { Request, Response } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import type { AttemptStatus } from '../../../plugin/engine/mfaEngine.ts';
import type { RequestFacts } from '../../../plugin/spi/factor.ts';
import { authenticateFactor, createFactorPassport } from '../mfa/factorStrategies.ts';

/** Codes at the API door go through the factor's Passport strategy (`mfa-<id>`), as at the other two doors. */
export function factorVerifier(plugin: MfaPlugin) {
  const passport = createFactorPassport(plugin);
  return (req: Request, res: Response) =>
    (attemptId: string, factorId: string, input: Record<string, unknown>, facts: RequestFacts): Promise<AttemptStatus> =>
      authenticateFactor(passport, plugin, factorId, { attemptId, input, facts }, req, res);
}
