import type { Request, Response } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import type { AttemptStatus } from '../../../plugin/engine/mfaEngine.ts';
import type { RequestFacts } from '../../../plugin/spi/factor.ts';
import { authenticateFactor } from '../passport/doorPassport.ts';

/** Codes at the API door go through the factor's Passport strategy (`mfa-<id>`), as at the other two doors. */
export function factorVerifier(plugin: MfaPlugin) {
  return (req: Request, res: Response) =>
    (attemptId: string, factorId: string, input: Record<string, unknown>, facts: RequestFacts): Promise<AttemptStatus> =>
      authenticateFactor(plugin, factorId, { attemptId, input, facts }, req, res);
}
