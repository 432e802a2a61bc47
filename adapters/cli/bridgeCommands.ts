import { AuditLog } from '../../plugin/audit/auditLog.ts';
import { BridgeClients, USER_SOURCES, type UserSource } from '../../plugin/bridge/bridgeClients.ts';
import { isTokenDoorPolicy, type TokenDoorPolicy } from '../../plugin/engine/tokenDoorPolicy.ts';
import { SecretBox } from '../../plugin/crypto/secretBox.ts';
import { MfaError } from '../../plugin/errors.ts';
import type { KeyRing } from '../../plugin/crypto/keyRing.ts';
import type { Knex } from 'knex';
import { type CliCommand, requirePositionals, UsageError } from './cliCommand.ts';
import { CLI_ACTOR } from './settingsCommands.ts';

function clientsOver(db: Knex, keys?: () => KeyRing): BridgeClients {
  // Listing and revoking open no sealed key, so they work without MFA_SECRET_KEY; adding seals one.
  const box = () => {
    if (!keys) throw new MfaError('CONFIGURATION', 'This command reads no key.');
    return new SecretBox(keys(), 'bridge/client-signing-key');
  };
  return new BridgeClients(db, box, new AuditLog(db), Date.now);
}

const iso = (at: number | null) => (at === null ? '-' : new Date(at).toISOString());

/** What each policy means, in the words the commands print. */
const TOKEN_DOOR_WORDS: Record<TokenDoorPolicy, string> = { required: 'MFA required', 'follow-site': 'as the site\'s "Enable MFA for the mobile app"' };

/** `--token-door`, checked here so a wrong value is a usage error (exit 2) naming the choices. */
function tokenDoorOption(command: string, value: unknown, fallback?: TokenDoorPolicy): TokenDoorPolicy {
  const given = value ?? fallback;
  if (isTokenDoorPolicy(given)) return given;
  throw new UsageError(`${command}: --token-door is "required" (MFA at every login through the platform's token door, e.g. Keycloak's direct grant) or "follow-site" (as this site's "Enable MFA for the mobile app" says)`);
}

export const bridgeClientAdd: CliCommand = {
  name: 'bridge client add',
  arguments: '<clientId> --platform <platform> [--users platform|site] [--token-door required|follow-site]',
  summary: 'makes a client of the bridge API (/bridge/v1) for a platform such as keycloak and prints its secret, once; --users site: its users are this site\'s (same username and verified email: one enrolment, one lockout); --token-door: MFA at its token door (direct grant) always (required, the default) or as this site\'s mobile-app setting (follow-site); audited',
  options: { platform: { type: 'string' }, users: { type: 'string' }, 'token-door': { type: 'string' } },
  migrations: 'plugin',
  async run({ db, args, out, secretKeys }) {
    const [clientId = ''] = requirePositionals(this, args, ['clientId']);
    const platform = args.options.platform;
    if (typeof platform !== 'string') throw new UsageError(`bridge client add: missing --platform <platform> (e.g. --platform keycloak); usage: mfa-bridge ${this.name} ${this.arguments}`);
    const users = args.options.users ?? 'platform';
    if (typeof users !== 'string' || !USER_SOURCES.includes(users as UserSource)) throw new UsageError(`bridge client add: --users is "platform" (the platform's own users) or "site" (this site's users, matched by username and email)`);
    const tokenDoorPolicy = tokenDoorOption('bridge client add', args.options['token-door'], 'required');
    const { client, secret } = await clientsOver(db, secretKeys).add({ clientId, platform, userSource: users as UserSource, tokenDoorPolicy, actor: CLI_ACTOR });
    const whose = client.userSource === 'site' ? 'this site\'s users' : 'its own users';
    out(`Client ${client.clientId} (platform ${client.platform}, ${whose}) is made; token door: ${TOKEN_DOOR_WORDS[client.tokenDoorPolicy]}. Its secret, shown only now:`);
    out(secret);
  },
};

export const bridgeClientList: CliCommand = {
  name: 'bridge client list',
  arguments: '',
  summary: 'lists the bridge API clients: id, platform, whose users, token door policy, made, last used, revoked (never a secret)',
  options: {},
  migrations: 'plugin',
  async run({ db, out }) {
    const clients = await clientsOver(db).list();
    if (clients.length === 0) return out('No bridge clients. Make one with: mfa-bridge bridge client add <clientId> --platform <platform>');
    out('client id\tplatform\tusers\ttoken door\tmade\tlast used\trevoked');
    for (const c of clients) out([c.clientId, c.platform, c.userSource, c.tokenDoorPolicy, iso(c.createdAt), iso(c.lastUsedAt), iso(c.revokedAt)].join('\t'));
  },
};

export const bridgeClientSet: CliCommand = {
  name: 'bridge client set',
  arguments: '<clientId> --token-door required|follow-site',
  summary: 'changes a live bridge client\'s token door policy: MFA at its token door (direct grant) always (required) or as this site\'s mobile-app setting (follow-site); its next request follows it; audited',
  options: { 'token-door': { type: 'string' } },
  migrations: 'plugin',
  async run({ db, args, out }) {
    const [clientId = ''] = requirePositionals(this, args, ['clientId']);
    const tokenDoorPolicy = tokenDoorOption('bridge client set', args.options['token-door']);
    if (!(await clientsOver(db).setTokenDoorPolicy(clientId, tokenDoorPolicy, CLI_ACTOR))) throw new MfaError('NOT_FOUND', `There is no live client "${clientId}" (see: mfa-bridge bridge client list).`);
    out(`Client ${clientId}: token door: ${TOKEN_DOOR_WORDS[tokenDoorPolicy]}.`);
  },
};

export const bridgeClientRevoke: CliCommand = {
  name: 'bridge client revoke',
  arguments: '<clientId>',
  summary: 'revokes a bridge API client at once (its next request is refused); audited',
  options: {},
  migrations: 'plugin',
  async run({ db, args, out }) {
    const [clientId = ''] = requirePositionals(this, args, ['clientId']);
    if (!(await clientsOver(db).revoke(clientId, CLI_ACTOR))) throw new MfaError('NOT_FOUND', `There is no live client "${clientId}" (see: mfa-bridge bridge client list).`);
    out(`Client ${clientId} is revoked: its next request is refused.`);
  },
};

export const bridgeCommands: readonly CliCommand[] = [bridgeClientAdd, bridgeClientList, bridgeClientSet, bridgeClientRevoke];
