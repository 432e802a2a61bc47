import { AuditLog } from '../../plugin/audit/auditLog.ts';
import { MfaError } from '../../plugin/errors.ts';
import { SealedFactorSecrets } from '../../plugin/store/sealedFactorSecrets.ts';
import { type CliCommand, requirePositionals } from './cliCommand.ts';
import { CLI_ACTOR } from './settingsCommands.ts';

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The second half of a key rotation (SECURITY.md, "Keys"): after the site runs with the
 * new MFA_SECRET_KEY and the old one in MFA_OLD_SECRET_KEYS, this re-encrypts every
 * secret at rest under the new key in one pass, so the old key can then be dropped.
 */
export const keysRotate: CliCommand = {
  name: 'keys rotate',
  arguments: '',
  summary:
    're-encrypts every secret at rest under MFA_SECRET_KEY (those under a key in MFA_OLD_SECRET_KEYS, or sealed before per-purpose keys), one row at a time; prints counts; safe to run again; audited',
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
    for (const failure of report.failed) out(`Not re-encrypted: device ${failure.id} (${failure.factor}) of user ${failure.userId}: ${failure.reason}`);
    await new AuditLog(db).record({
      event: 'keys_rotated',
      actor: CLI_ACTOR,
      detail: { keyId: keys.current.id, resealed: report.resealed, alreadyCurrent: report.alreadyCurrent, failed: report.failed.length },
    });
    if (report.failed.length > 0) {
      throw new MfaError(
        'CONFIGURATION',
        `${plural(report.failed.length, 'secret', 'secrets')} could not be decrypted with MFA_SECRET_KEY or MFA_OLD_SECRET_KEYS and ${report.failed.length === 1 ? 'was' : 'were'} left as ${report.failed.length === 1 ? 'it was' : 'they were'} (listed above). Put the key ${report.failed.length === 1 ? 'it was' : 'they were'} sealed with back in MFA_OLD_SECRET_KEYS and run this again, or reset those users' factors (mfa-bridge mfa reset).`,
      );
    }
  },
};

export const keysCommands: readonly CliCommand[] = [keysRotate];
