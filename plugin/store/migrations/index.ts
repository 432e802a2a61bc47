import type { Migration } from '../migrationSource.ts';
import { settingsAndAudit } from './001_settings_and_audit.ts';
import { attemptsAndFactors } from './002_attempts_and_factors.ts';
import { identityTokensAndApiSessions } from './003_identity_tokens_and_api_sessions.ts';
import { knownSignIns } from './004_known_sign_ins.ts';
import { rateLimits } from './005_rate_limits.ts';
import { passwordGuesses } from './006_password_guesses.ts';
import { factorStorage } from './007_factor_storage.ts';
import { bridgeTables } from './008_bridge.ts';
import { bridgeSiteUsers } from './009_bridge_site_users.ts';
import { bridgeTokenDoor } from './010_bridge_token_door.ts';

/** The plugin's own schema, in order. A new migration is appended here, never inserted. */
export const pluginMigrations: readonly Migration[] = [settingsAndAudit, attemptsAndFactors, identityTokensAndApiSessions, knownSignIns, rateLimits, passwordGuesses, factorStorage, bridgeTables, bridgeSiteUsers, bridgeTokenDoor];
