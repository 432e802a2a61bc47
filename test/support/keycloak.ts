import { execFile } from 'node:child_process';
import { join } from 'node:path';

/**
 * A real Keycloak 26 for the tests, through scripts/keycloak/keycloak.sh (the same script a
 * person uses): the server from Maven Central, the provider built from keycloak,
 * started in dev mode on loopback, and stopped after. A Keycloak the script left running is
 * restarted, so the provider under test is this checkout's; KEYCLOAK_REUSE=1 keeps a running
 * one (quicker while working on the tests, not on the provider).
 */
const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'keycloak', 'keycloak.sh');
export const KEYCLOAK_URL = `http://127.0.0.1:${process.env.KC_PORT ?? '8080'}`;
const HEALTH_URL = `http://127.0.0.1:${process.env.KC_MANAGEMENT_PORT ?? '9000'}/health/ready`;
const ADMIN = { username: process.env.KC_ADMIN ?? 'admin', password: process.env.KC_ADMIN_PASSWORD ?? 'admin-local-only' };

function run(command: string, env: Record<string, string> = {}, timeoutMs = 540_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [SCRIPT, command], { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`keycloak.sh ${command} failed: ${error.message}\n${stderr.slice(-4000)}`));
      else resolve(stdout + stderr);
    });
  });
}

function commandExists(name: string): Promise<boolean> {
  return new Promise((resolve) => execFile('bash', ['-c', `command -v ${name}`], (error) => resolve(!error)));
}

/**
 * Why Keycloak cannot run here, or null. CI installs what it needs (Maven, a JDK, jq), so
 * there it always runs; elsewhere a machine without Maven skips these tests and says why.
 */
export async function keycloakMissing(): Promise<string | null> {
  if (process.env.CI === 'true') return null;
  for (const tool of ['mvn', 'java', 'jq', 'curl']) {
    if (!(await commandExists(tool))) return `${tool} not found: the Keycloak tests fetch and run Keycloak through Maven (CI installs it)`;
  }
  return null;
}

async function ready(): Promise<boolean> {
  try {
    return (await fetch(HEALTH_URL, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

/** Keycloak running with the provider from this checkout: (re)started, fetched first if need be. */
export async function startKeycloak(): Promise<{ startedHere: boolean }> {
  if (process.env.KEYCLOAK_REUSE === '1' && (await ready())) return { startedHere: false };
  await run('stop', {}, 60_000);
  await run('start');
  return { startedHere: true };
}

export async function stopKeycloak(): Promise<void> {
  await run('stop', {}, 60_000);
}

export interface RealmSetup {
  realm: string;
  clientId: string;
  redirectUri: string;
  bridgeUrl: string;
  bridgeClientId: string;
  bridgeClientSecret: string;
}

/** A realm of the test's own: an OIDC client, and copies of the browser and direct-grant flows ending in mfa-bridge's steps. */
export async function configureRealm(setup: RealmSetup): Promise<void> {
  await run('configure', {
    KC_REALM: setup.realm,
    KC_CLIENT_ID: setup.clientId,
    KC_REDIRECT_URI: setup.redirectUri,
    BRIDGE_URL: setup.bridgeUrl,
    BRIDGE_CLIENT_ID: setup.bridgeClientId,
    BRIDGE_CLIENT_SECRET: setup.bridgeClientSecret,
    BRIDGE_TIMEOUT_MS: '3000',
  }, 120_000);
}

async function adminToken(): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username: ADMIN.username, password: ADMIN.password });
  const res = await fetch(`${KEYCLOAK_URL}/realms/master/protocol/openid-connect/token`, { method: 'POST', body });
  if (!res.ok) throw new Error(`Keycloak admin login: HTTP ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A Keycloak user with a password, through the admin REST API (names and a verified email: Keycloak's user profile asks for them). */
export async function addKeycloakUser(realm: string, user: { username: string; email: string; password: string }): Promise<void> {
  const res = await fetch(`${KEYCLOAK_URL}/admin/realms/${realm}/users`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${await adminToken()}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: user.username, email: user.email, emailVerified: true, enabled: true, firstName: user.username, lastName: 'Tester', credentials: [{ type: 'password', value: user.password, temporary: false }] }),
  });
  if (res.status !== 201) throw new Error(`Keycloak user ${user.username}: HTTP ${res.status} ${await res.text()}`);
}

export interface OAuthAnswer {
  status: number;
  body: { access_token?: string; id_token?: string; error?: string; error_description?: string };
}

/** Keycloak's token endpoint, form-encoded, as an OAuth client calls it. */
export async function tokenEndpoint(realm: string, fields: Record<string, string>): Promise<OAuthAnswer> {
  const res = await fetch(`${KEYCLOAK_URL}/realms/${realm}/protocol/openid-connect/token`, { method: 'POST', body: new URLSearchParams(fields) });
  return { status: res.status, body: (await res.json()) as OAuthAnswer['body'] };
}

/** The claims of a JWT Keycloak issued (read, not verified: the test asks who it is for). */
export function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
