import type { Express, Request, Response } from 'express';
import type { MfaPlugin } from '../../../plugin/createMfaPlugin.ts';
import type { HostUser } from '../../../plugin/spi/host.ts';
import { operationScope } from '../operationScope.ts';
import { type BrowserPasswordCheckHook, browserPasswordCheckHook } from '../passwordCheckHook.ts';
import { activeAccountOnly } from './activeAccount.ts';
import { challengeRoutes } from './challengeRoutes.ts';
import { factorAssets } from './factorAssets.ts';
import { exemptFromCsrf, factorRoutes } from './factorRoutes.ts';
import { identityTokenRoutes } from './identityTokenRoutes.ts';
import { mfaGate, requirePassedMfa } from './mfaGate.ts';
import { requestFacts } from '../requestFacts.ts';
import { secondFactorRoutes } from './secondFactorRoutes.ts';
import { checkedSessionUser } from '../webSession.ts';
import { securityRoutes } from './securityRoutes.ts';

export interface MfaWebDoorOptions {
  plugin: MfaPlugin;
  /** Where a user lands after MFA when they asked for no page in particular. */
  homePath?: string;
  loginPath?: string;
  /** Mark cookies Secure (the site is served over https). */
  secureCookies?: boolean;
}

export interface MfaWebDoor {
  /** Mounts the gate and the MFA pages; call it before the host's own routes. */
  mount(app: Express): void;
  /**
   * For the host's CSRF middleware: requests that need no CSRF token (JSON posts to a
   * factor's public routes, from a device that signs what it sends).
   */
  csrfExempt(req: Request): boolean;
  /**
   * The `web_session_login` hook: the host calls it after a correct password (and after
   * giving the session a new id). Returns where to send the browser, or undefined when
   * MFA asks nothing of this login.
   */
  afterPasswordLogin(req: Request, res: Response, user: HostUser, returnTo: string): Promise<string | undefined>;
  /**
   * The `password_check` hook of the host's login form: the plugin's throttled check, with
   * the browser's device cookie read from `req` and a new one set on `res` after a right
   * password, so a browser that logged in as the user before is not held back by others'
   * guesses (docs/security.md, "Password guessing"). Doors without cookies use `passwordCheckHook`.
   */
  checkPassword: BrowserPasswordCheckHook;
  /**
   * The session's user, already read and found active by the door's account check in
   * front of every route; undefined when it did not run. A host page can use it instead of
   * reading the same row again (issue 15: GET /my read the user twice).
   */
  sessionUser(res: Response): HostUser | undefined;
}

/** The web-session door: one MFA attempt per password login, kept in the session until it passes. */
export function createMfaWebDoor(options: MfaWebDoorOptions): MfaWebDoor {
  const { plugin } = options;
  const homePath = options.homePath ?? '/';
  const loginPath = options.loginPath ?? '/login';
  const secureCookies = options.secureCookies ?? false;

  return {
    mount(app) {
      app.use(operationScope());
      // Files need no account: before the account check, so a page of a factor loads its script for anyone.
      app.use(factorAssets(plugin));
      app.use(activeAccountOnly(plugin, { loginPath }));
      app.use(mfaGate(plugin));
      // The security pages check the MFA state themselves too, whatever the exclusions say.
      app.use('/user/security', requirePassedMfa(plugin));
      app.use(secondFactorRoutes({ plugin, homePath, loginPath, secureCookies }));
      app.use(challengeRoutes({ plugin, homePath, loginPath }));
      app.use(securityRoutes({ plugin, homePath, loginPath, secureCookies }));
      app.use(factorRoutes({ plugin, loginPath }));
      app.use(identityTokenRoutes({ plugin, loginPath }));
    },

    csrfExempt: exemptFromCsrf(plugin),

    checkPassword: browserPasswordCheckHook(plugin, { secureCookies, loginPath }),

    sessionUser: checkedSessionUser,

    async afterPasswordLogin(req, _res, user, returnTo) {
      const settings = await plugin.settings.snapshot();
      const loginAt = plugin.now();
      const step = await plugin.login.start({ user, door: 'web', facts: requestFacts(req, settings, plugin.registry) });
      switch (step.kind) {
        case 'not_required':
        case 'passed':
          // Passed without input (a trusted browser, an allowed network), spent for this one session.
          req.session.mfa = { state: 'passed', passedAt: step.kind === 'passed' ? step.passedAt : null, passedFor: returnTo, loginAt };
          return undefined;
        case 'ended':
          // Refused at once (a factor failed it): /mfa says so and sends the user back to the password.
          req.session.mfa = { state: 'pending', returnTo, loginAt };
          return '/mfa';
        default:
          req.session.mfa = { state: 'pending', attemptId: step.login.attemptId, returnTo, setupRequired: step.kind === 'setup_required', loginAt };
          return step.kind === 'setup_required' ? '/user/security?setup=required' : '/mfa';
      }
    },
  };
}
