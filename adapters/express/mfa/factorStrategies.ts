import type { Request, Response } from 'express';
import { Passport } from 'passport';
import { Strategy as CustomStrategy } from 'passport-custom';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import type { AttemptStatus } from '../../../plugin/engine/mfaEngine.ts';
import { isMfaError, MfaError } from '../../../plugin/errors.ts';
import type { RequestFacts } from '../../../plugin/spi/factor.ts';

/** What a door hands the strategy: which attempt, the user's input, the request's facts. */
export interface FactorVerificationRequest {
  attemptId: string;
  input: Record<string, unknown>;
  facts: RequestFacts;
}

const VERIFICATION = Symbol('mfa verification');
type RequestWithVerification = Request & { [VERIFICATION]?: FactorVerificationRequest };

/**
 * One Passport strategy per input factor, named `mfa-<factor id>` (passport-custom).
 * Each verifies against the attempt through the engine; doors never check codes themselves.
 */
export function createFactorPassport(plugin: MfaPlugin): InstanceType<typeof Passport> {
  const passport = new Passport();
  for (const factory of plugin.registry.all().filter((f) => f.requiresInput)) {
    passport.use(
      `mfa-${factory.id}`,
      new CustomStrategy((req, done) => {
        const verification = (req as RequestWithVerification)[VERIFICATION];
        if (!verification) return done(new Error('mfa strategy called without a verification request'));
        // passport-custom does not catch a rejected promise: every path must end in done().
        plugin.engine.verify(verification.attemptId, factory.id, verification.input, verification.facts).then(
          (status) => done(null, status.user, { status }),
          (error: unknown) => (isMfaError(error) ? done(null, false, { error }) : done(error)),
        );
      }),
    );
  }
  return passport;
}

/** Runs the `mfa-<factorId>` strategy for this request; resolves with where the attempt stands. */
export function authenticateFactor(
  passport: InstanceType<typeof Passport>,
  plugin: MfaPlugin,
  factorId: string,
  verification: FactorVerificationRequest,
  req: Request,
  res: Response,
): Promise<AttemptStatus> {
  const known = plugin.registry.all().some((f) => f.id === factorId && f.requiresInput);
  if (!known) return Promise.reject(new MfaError('FACTOR_NOT_AVAILABLE', 'Choose one of the ways of verifying offered on the page.'));
  (req as RequestWithVerification)[VERIFICATION] = verification;
  return new Promise((resolve, reject) => {
    const handler = passport.authenticate(
      `mfa-${factorId}`,
      { session: false },
      (error: unknown, user: unknown, info: { status?: AttemptStatus; error?: MfaError } | undefined) => {
        if (error) return reject(error);
        if (!user || !info?.status) return reject(info?.error ?? new MfaError('INVALID_CODE', 'That code is not right.'));
        resolve(info.status);
      },
    );
    handler(req, res, reject);
  });
}
