import type { Request } from 'express';
import { Passport } from 'passport';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import type { PassportInstance } from './passportInstance.ts';

const instances = new WeakMap<MfaPlugin, PassportInstance>();

/**
 * The one Passport instance a plugin's strategies are registered on: the host's, once it
 * called `useMfaStrategies` (or `shareFactorPassport`), else one of the plugin's own. The
 * strategies log the host's user in through that instance's own serializeUser and
 * deserializeUser (`appUserOf`), so it must be the host's.
 */
export function factorPassport(plugin: MfaPlugin): PassportInstance {
  let passport = instances.get(plugin);
  if (!passport) {
    passport = new Passport() as unknown as PassportInstance;
    instances.set(plugin, passport);
  }
  return passport;
}

/** Makes the host's Passport the plugin's one instance. A plugin whose strategies already run on another refuses. */
export function shareFactorPassport(plugin: MfaPlugin, passport: PassportInstance): void {
  const existing = instances.get(plugin);
  if (existing === passport) return;
  if (existing) throw new Error('The strategies of this plugin already run on another Passport instance: share yours before registering them.');
  instances.set(plugin, passport);
}

/** Registers `passport` as the plugin's instance (useMfaStrategies): the one the strategies were last registered on. */
export function registerFactorPassport(plugin: MfaPlugin, passport: PassportInstance): void {
  instances.set(plugin, passport);
}

/** The host's own user, serialised the host's way (its serializeUser), to keep in the session while MFA waits. */
export function serializeAppUser(passport: PassportInstance, user: unknown, req: Request): Promise<unknown> {
  return new Promise((resolve, reject) => passport.serializeUser(user, req, (error: unknown, kept: unknown) => (error ? reject(error) : resolve(kept))));
}

/** The host's own user back from what serializeAppUser kept (its deserializeUser); false when it is gone. */
export function deserializeAppUser(passport: PassportInstance, kept: unknown, req: Request): Promise<unknown> {
  return new Promise((resolve, reject) => passport.deserializeUser(kept, req, (error: unknown, user: unknown) => (error ? reject(error) : resolve(user))));
}
