import type { Request } from 'express';
import type { HostUser } from '../plugin/spi/host.ts';

/** Moodle's typeoflogin (tool_mobile\\api::LOGIN_VIA_*): where the app asks for the password. */
export const TYPE_OF_LOGIN = { app: 1, browser: 2, embedded_browser: 3 } as const;
export type MobileLoginType = keyof typeof TYPE_OF_LOGIN;

/** The service the official app asks login/token.php and launch.php for. */
export const MOBILE_APP_SERVICE = 'moodle_mobile_app';

/** What the site's settings say about the app's sign-in, read per request. */
export interface MobileAppSettings {
  /** `mobile_app_login_type`: the app's own form, the system browser, or a browser inside the app. */
  loginType: MobileLoginType;
  /** `mobile_app_url_scheme` (Moodle's forcedurlscheme); '' = the scheme the app asks for. */
  forcedUrlScheme: string;
  /** Moodle 5.2's `tool_mfa_enabled`: whether the site asks for a second factor at all. */
  mfaEnabled: boolean;
}

/**
 * What the site's Moodle app endpoints need from the MFA plugin (the site check and
 * launch.php): its settings, the session's fresh login, its audit log.
 */
export interface MobileAppPolicy {
  settings(): Promise<MobileAppSettings>;
  /** Where the login this session just completed was going, handed out once (Moodle's `$SESSION->justloggedin`). */
  takeLoginLanding(req: Request): Promise<string | undefined>;
  /** Audits a token handed to an app. Never the token or the passport. */
  recordHandOff(req: Request, user: HostUser, detail: { service: string; privateToken: boolean; confirmed: boolean }): Promise<void>;
}
