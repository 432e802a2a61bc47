import { AuditLog } from '../../plugin/audit/auditLog.ts';
import { BridgeClients } from '../../plugin/bridge/bridgeClients.ts';
import { keyedHash } from '../../plugin/crypto/keyedHash.ts';
import { SecretBox } from '../../plugin/crypto/secretBox.ts';
import { MfaError } from '../../plugin/errors.ts';
import { rekeyKnownSignIns } from '../../plugin/notifications/index.ts';
import { SealedFactorSecrets } from '../../plugin/store/factorStorage/sealedFactorSecrets.ts';
import { type CliCommand, requirePositionals } from './cliCommand.ts';
import { CLI_ACTOR } from './settingsCommands.ts';

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The second half of a key rotation (SECURITY.md, "Keys"): after the site runs with the
 * new MFA_SECRET_KEY and the old one in MFA_OLD_SECRET_KEYS, this re-encrypts every
 * secret at rest and re-keys the known sign-ins under the new key in one pass, so the old
 * key can then be dropped without locking anyone out or mailing anyone.
 */
export const keysRotate: CliCommand = {
  name: 'keys rotate',
  arguments: '',
  summary:
    're-encrypts every secret at rest under MFA_SECRET_KEY (those under a key in MFA_OLD_SECRET_KEYS, or sealed before per-purpose keys) and re-keys the known sign-ins, one row at a time; prints counts; safe to run again; audited',
  options: {},
  migrations: 'plugin',
  async run({ db, args, out, secretKeys }) {
    requirePositionals(this, args, []);
    const keys = secretKeys();
    const report = await new SealedFactorSecrets(db, keys).resealAll();
    out(`Re-encrypted ${plural(report.resealed, 'secret', 'secrets')} under the current key (key id ${keys.current.id}); ${report.alreadyCurrent} already were.`);
    const { old, legacy } = report.hashes;
    if (old + legacy > 0) {
      out(
        `${plural(old + legacy, 'stored code hash (recovery codes) depends', 'stored code hashes (recovery codes) depend')} on an earlier key and cannot be re-hashed (only the hash is kept): they work while that key is in MFA_OLD_SECRET_KEYS, and move to the current key when their users make new codes.`,
      );
    }
    if (report.hashes['unknown-key'] > 0) {
      out(`${plural(report.hashes['unknown-key'], 'stored code hash depends', 'stored code hashes depend')} on a key that is no longer configured: those codes no longer work.`);
    }
    const signIns = await rekeyKnownSignIns(db, new AuditLog(db), keyedHash(keys, 'known-sign-in'));
    if (signIns.rekeyed + signIns.alreadyCurrent > 0) {
      out(`Re-keyed ${plural(signIns.rekeyed, 'known sign-in', 'known sign-ins')} (browsers and networks users passed MFA from) under the current key; ${signIns.alreadyCurrent} already were.`);
    }
    if (signIns.unmatched > 0) {
      out(
        `${plural(signIns.unmatched, 'known sign-in matches', 'known sign-ins match')} no MFA pass in the audit log and could not be re-keyed: if made under a key you drop, its user gets one "New sign-in" mail on their next sign-in from there.`,
      );
    }
    const bridgeKeys = await new BridgeClients(db, () => new SecretBox(keys, 'bridge/client-signing-key'), new AuditLog(db), Date.now).resealAll();
    if (bridgeKeys.resealed > 0) out(`Re-encrypted ${plural(bridgeKeys.resealed, 'bridge client key', 'bridge client keys')} under the current key.`);
    // Never "make the client again" here: a new client means a new secret in the platform's
    // configuration (Keycloak), and every login through it fails until that is changed. The
    // key is not lost while the old MFA_SECRET_KEY is: putting it back is the fix.
    for (const failure of bridgeKeys.failed) out(`Not re-encrypted: the key of bridge client ${failure.clientId}: ${failure.reason}`);
    for (const failure of report.failed) out(`Not re-encrypted: device ${failure.id} (${failure.factor}) of user ${failure.userId}: ${failure.reason}`);
    const failed = report.failed.length + bridgeKeys.failed.length;
    await new AuditLog(db).record({
      event: 'keys_rotated',
      actor: CLI_ACTOR,
      detail: { keyId: keys.current.id, resealed: report.resealed, alreadyCurrent: report.alreadyCurrent, failed },
    });
    if (failed > 0) {
      const resetToo = report.failed.length > 0 ? ", or reset those users' factors (mfa-bridge mfa reset)" : '';
      throw new MfaError(
        'CONFIGURATION',
        `${plural(failed, 'secret', 'secrets')} could not be decrypted with MFA_SECRET_KEY or MFA_OLD_SECRET_KEYS and ${failed === 1 ? 'was' : 'were'} left as ${failed === 1 ? 'it was' : 'they were'} (listed above). Put the key ${failed === 1 ? 'it was' : 'they were'} sealed with back in MFA_OLD_SECRET_KEYS and run this again${resetToo}.`,
      );
    }
  },
};

export const keysCommands: readonly CliCommand[] = [keysRotate];
