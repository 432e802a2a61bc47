import type { Request, Response } from 'express';
import { Passport } from 'passport';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import type { AttemptStatus } from '../../../plugin/engine/mfaEngine.ts';
import { MfaError } from '../../../plugin/errors.ts';
import { attachVerification, type FactorVerificationRequest, type MfaStrategyFailure, strategyName } from './mfaStrategy.ts';
import { type PassportInstance, useMfaStrategies } from './index.ts';

export type { PassportInstance };

const instances = new WeakMap<MfaPlugin, PassportInstance>();

/**
 * The one Passport instance the doors (web, token, API) of a plugin share, with the
 * factors' strategies on it. A host that has its own Passport hands it over first
 * (`shareFactorPassport`), so its app and the doors run the very same strategies.
 */
export function factorPassport(plugin: MfaPlugin): PassportInstance {
  let passport = instances.get(plugin);
  if (!passport) {
    passport = new Passport();
    useMfaStrategies(passport, plugin);
    instances.set(plugin, passport);
  }
  return passport;
}

/** Makes the host's Passport the doors' one instance (its `mfa-*` strategies are registered on it). */
export function shareFactorPassport(plugin: MfaPlugin, passport: PassportInstance): void {
  const existing = instances.get(plugin);
  if (existing === passport) return;
  if (existing) throw new Error('The doors of this plugin already run on another Passport instance: share yours before creating the doors.');
  useMfaStrategies(passport, plugin);
  instances.set(plugin, passport);
}

/** Runs the factor's strategy for a door that knows its attempt; resolves with where the attempt stands. */
export function authenticateFactor(plugin: MfaPlugin, factorId: string, verification: FactorVerificationRequest, req: Request, res: Response): Promise<AttemptStatus> {
  const known = plugin.registry.all().some((f) => f.id === factorId && f.capabilities.requiresInput);
  if (!known) return Promise.reject(new MfaError('FACTOR_NOT_AVAILABLE', 'Choose one of the ways of verifying offered on the page.'));
  attachVerification(req, verification);
  return new Promise((resolve, reject) => {
    const handler = factorPassport(plugin).authenticate(
      strategyName(factorId),
      { session: false },
      (error: unknown, user: unknown, info: { status?: AttemptStatus } | MfaStrategyFailure | undefined) => {
        if (error) return reject(error);
        if (user && info && 'status' in info && info.status) return resolve(info.status);
        reject((info && 'error' in info && info.error) || new MfaError('INVALID_CODE', 'That code is not right.'));
      },
    );
    handler(req, res, reject);
  });
}
