import type { SettingDefinition } from './manifest.ts';

/**
 * The plugin's part of manifest.json: who it is, the hooks a host calls, and the settings
 * of the engine and doors. Each factor declares its own settings in its folder; `npm run
 * manifest` writes manifest.json from this and the factories (buildManifest.ts).
 */
export const pluginIdentity = {
  id: 'mfa_bridge',
  name: 'mfa-bridge',
  version: '0.1.0',
  description: 'Multi-factor authentication for the web-session login and the external-service token login.',
  hostApi: '>=1.0.0 <2.0.0',
};

export const pluginHooks: ReadonlyArray<{ name: string; description: string }> = [
  {
    name: 'password_check',
    description: "Called by every password door (the web login, login/token.php) in place of the host's own check: refuses throttled password guesses before the password is compared, and counts wrong ones per account and client address, per account and per address. At the web login it also reads and sets the browser's device cookie, which lets a browser that logged in as the user before past those limits.",
  },
  {
    name: 'web_session_login',
    description: 'Called after a password login succeeds in the browser; opens an MFA attempt and gates the session until it passes.',
  },
  {
    name: 'external_token_login',
    description: 'Called by the external-service token endpoint (login/token.php) after the password is checked; decides whether MFA is required before a token is issued, and finishes MFA for a later call that carries mfa_token.',
  },
  {
    name: 'api_routes',
    description: 'Mounted by the host before its cookie session: the JSON API at /api/v1 (openapi.yaml): sessions with password and code, Basic with X-MFA-Code, TOTP self-service, identity tokens.',
  },
];

/** Settings of the engine and the doors (section `general`). */
export const coreSettings: readonly SettingDefinition[] = [
  {
    name: 'enabled', section: 'general', type: 'boolean', default: true,
    label: 'MFA plugin enabled',
    help: 'When off, nobody is asked for a second factor at either door. Turn it off from the command line if a misconfiguration locks everyone out: npx mfa-bridge settings set enabled false',
  },
  {
    name: 'mobile_app_mfa', section: 'general', type: 'boolean', default: false,
    label: 'Enable MFA for the mobile app',
    help: 'When on, the external-service token login (login/token.php) demands MFA as the web login does. Apps that cannot finish MFA get the error "Multi-factor authentication is required for this service".',
  },
  {
    name: 'mobile_app_login_type', section: 'general', type: 'select', default: 'app', options: ['app', 'browser', 'embedded_browser'], optionLabels: { app: 'In the app (its own username and password form)', browser: "In the phone's browser (MFA with any factor)", embedded_browser: 'In a browser window inside the app (MFA; security keys may not work)' },
    label: 'How the mobile app signs in',
    help: "Moodle's typeoflogin, told to the app by the site check. In the app: the app's own form (login/token.php); with \"Enable MFA for the mobile app\" on, the unmodified Moodle app cannot pass a second factor there and shows \"Multi-factor authentication is required for this service\". In the phone's browser: the app opens the site's login (admin/tool/mobile/launch.php), users pass MFA there with any factor, security keys and passkeys included, and the browser hands the app its token. A browser that was already signed in asks the user before it hands a token to an app. In a browser window inside the app: the same; security keys and passkeys may not work in that window, so users without another factor should use the phone's browser.",
  },
  {
    name: 'mobile_app_url_scheme', section: 'general', type: 'string', default: 'moodlemobile', maxLength: 100, pattern: { regex: '^([a-zA-Z][a-zA-Z0-9+.-]*)?$', explain: "use an app's URL scheme (a letter, then letters, digits, +, - or .), e.g. moodlemobile, or leave it empty." },
    label: 'Mobile app URL scheme',
    help: "Moodle's forcedurlscheme. When the app signs in through the browser (see \"How the mobile app signs in\"), its token is handed to the app with this URL scheme, whatever scheme the sign-in link names. moodlemobile is the official Moodle app; a branded app has its own. Empty: use the scheme the link names, so any app that opens the link can ask for it (a user who was already signed in is always asked before a token is handed over).",
  },
  {
    name: 'lockout_threshold', section: 'general', type: 'integer', default: 10, min: 1, max: 1000,
    label: 'Lockout threshold',
    help: 'Failed inputs on one factor before that factor is locked for the user. It stays locked until an admin unlocks it or the user passes MFA another way.',
  },
  {
    name: 'require_setup', section: 'general', type: 'boolean', default: false,
    label: 'Require MFA setup',
    help: 'When on, a user with no factor set up must enrol one before they may continue. When off, such a user passes MFA without input.',
  },
  {
    name: 'attempt_ttl_minutes', section: 'general', type: 'integer', default: 10, min: 1, max: 1440,
    label: 'Time to finish MFA (minutes)',
    help: 'How long a login may wait at the second-factor step before the user has to start again with their password.',
  },
  {
    name: 'redirect_exclusions', section: 'general', type: 'list', default: [], protectedPaths: [{ path: '/admin', name: 'the admin pages' }, { path: '/user/security', name: 'the security pages' }, { path: '/mfa', name: 'the MFA pages' }],
    label: 'Redirect exclusions',
    help: 'Paths (one per line, e.g. /help or /public/) that a user who has not finished MFA may still open. A path ending in / covers everything below it. Not accepted: / (the whole site), the admin pages, the security pages and the MFA pages.',
  },
  {
    name: 'trust_proxy', section: 'general', type: 'boolean', default: false,
    label: 'Behind a reverse proxy',
    help: 'When on, the client address is read from X-Forwarded-For (the address the proxy saw). Turn on only when every request reaches the site through your proxy, or clients can claim any address.',
  },
  {
    name: 'recent_pass_minutes', section: 'general', type: 'integer', default: 10, min: 1, max: 1440,
    label: 'Ask for MFA again before security changes (minutes)',
    help: 'Adding or removing a factor, or making an identity token, needs an MFA pass within this many minutes. Older than that, the user is asked for a second factor again first.',
  },
  {
    name: 'api_session_hours', section: 'general', type: 'integer', default: 8, min: 1, max: 720,
    label: 'JSON API session lifetime (hours)',
    help: 'How long a session made with POST /api/v1/session lasts before the client must log in (and pass MFA) again. Unattended clients should use identity tokens instead.',
  },
  {
    name: 'password_failures_before_delay', section: 'general', type: 'integer', default: 5, min: 1, max: 100,
    label: 'Wrong passwords before a wait',
    help: 'Wrong passwords in a row for one account from one address (at the login page, login/token.php and the JSON API alike) before each further try must wait: 1 minute, then 2, 4, 8... A right password starts the count over. Other addresses are not slowed; at the login page, neither is a browser that has logged in as the user before (it carries a device cookie), even at the same address.',
  },
  {
    name: 'password_max_delay_minutes', section: 'general', type: 'integer', default: 60, min: 1, max: 1440,
    label: 'Longest wait after wrong passwords (minutes)',
    help: 'The doubling wait for one account and address stops growing here.',
  },
  {
    name: 'password_failures_per_account_per_hour', section: 'general', type: 'integer', default: 50, min: 1, max: 1000,
    label: 'Wrong passwords per account per hour',
    help: "All addresses together, in any 60 minutes: beyond this the account's password is refused from addresses it has not logged in from in the last 30 days, until the oldest of those failures is an hour old. Addresses it logged in from still work, and at the login page so does every browser that has logged in as the user before.",
  },
  {
    name: 'password_failures_per_address_per_hour', section: 'general', type: 'integer', default: 100, min: 1, max: 1000,
    label: 'Wrong passwords per address per hour',
    help: 'All accounts together, in any 60 minutes, from one address (an IPv6 /64): against one address trying a common password on many accounts. Accounts that logged in from that address before are not refused. Raise it when many users share one address (a campus NAT).',
  },
  {
    name: 'password_failures_per_device_per_hour', section: 'general', type: 'integer', default: 10, min: 1, max: 1000,
    label: 'Wrong passwords per signed-in browser per hour',
    help: 'A browser that has logged in as a user carries a device cookie for that user, and at the login page the limits above do not hold it back. Beyond this many wrong passwords from it in any 60 minutes, it is held back like any other browser until the oldest of them is an hour old.',
  },
];
