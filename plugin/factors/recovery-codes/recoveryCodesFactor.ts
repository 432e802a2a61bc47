import { z } from 'zod';
import { MfaError } from '../../errors.ts';
import type { AttemptView, FactorContext, FactorDevice, FactorInput, FactorLanding, FactorProvider, FactorProviderFactory, VerifyOutcome } from '../../spi/factor.ts';
import type { CardStatus } from '../../spi/factorPresentation.ts';
import type { FactorRecords } from '../../spi/factorStorage.ts';
import type { HostUser } from '../../spi/host.ts';
import { generateRecoveryCode, normalizeRecoveryCode, RECOVERY_CODE_PURPOSE, RECOVERY_CODES_PER_SET, recoveryCodeMatches } from './recoveryCode.ts';
import { recoveryCodeUsedMail } from './recoveryCodeMail.ts';
import { RECOVERY_CODES_FACTOR_ID, type RecoveryCodeData, RecoveryCodeStore, isUnused, storedHashOf } from './recoveryCodeStore.ts';
import { recoveryCodeUsedMessage, recoveryCodesCardStatus, recoveryCodesCopy, recoveryCodesPresentation } from './recoveryCodesPresentation.ts';
import { recoveryCodesSettings } from './recoveryCodesSettings.ts';
import type { RecoveryCodesLeft, RecoveryCodesSetup } from './recoveryCodesSetup.ts';

export type { RecoveryCodesLeft, RecoveryCodesSetup };

/** At this many unused codes or fewer, the user is told to generate a new set. */
export const RECOVERY_CODES_RUNNING_LOW_AT = 3;

/** A new set waits this long for "I have saved these codes"; until then the old set keeps working. */
export const RECOVERY_CODES_SETUP_TTL_MS = 30 * 60 * 1000;

/** What a login answers: one of the codes. */
export interface RecoveryCodeInput extends FactorInput {
  code: string;
}

const codeInput = z.object({ code: z.string().trim().min(1) });

class RecoveryCodesProvider implements FactorProvider<RecoveryCodesSetup, object, RecoveryCodeInput> {
  private readonly store: RecoveryCodeStore;

  constructor(private readonly context: FactorContext) {
    this.store = new RecoveryCodeStore(context.storage.records as FactorRecords<RecoveryCodeData>, context.keyedHash(RECOVERY_CODE_PURPOSE));
  }

  async configuredFor(user: HostUser): Promise<boolean> {
    return (await this.store.countUnused(user.id)) > 0;
  }

  async state(): Promise<'unknown'> {
    return 'unknown';
  }

  /** After a login with a recovery code: the security page, told how many are left (the user may have lost their device). */
  async landingAfterPass(user: HostUser): Promise<FactorLanding> {
    return { place: 'security', message: recoveryCodeUsedMessage(await this.remaining(user)) };
  }

  async cardStatus(user: HostUser): Promise<CardStatus> {
    return recoveryCodesCardStatus(await this.remaining(user));
  }

  async remaining(user: HostUser): Promise<RecoveryCodesLeft> {
    const codes = await this.store.confirmed(user.id);
    const remaining = codes.filter(isUnused).length;
    return { remaining, total: codes.length, runningLow: codes.length > 0 && remaining <= RECOVERY_CODES_RUNNING_LOW_AT };
  }

  /**
   * Tests the input against every code of the set (each in constant time), spends the
   * one that matches with a guarded UPDATE, and mails the owner: a recovery code
   * bypasses their device, so they hear of every use.
   */
  async verify(attempt: AttemptView, user: HostUser, input: RecoveryCodeInput): Promise<VerifyOutcome> {
    const parsed = codeInput.safeParse(input);
    if (!parsed.success) throw new MfaError('INVALID_INPUT', 'Enter one of your recovery codes.', { field: 'code' });
    const typed = normalizeRecoveryCode(parsed.data.code);
    const codes = await this.store.confirmed(user.id);
    const match = typed === null ? undefined : codes.find((code) => recoveryCodeMatches(typed, storedHashOf(code), this.context.keyedHash(RECOVERY_CODE_PURPOSE)));
    if (!match) return { verified: false, reason: 'invalid', message: 'That is not one of your recovery codes.' };
    const now = this.context.now();
    // The loser of two parallel logins with one code finds the record moved on: its swap fails.
    if (!isUnused(match) || !(await this.store.markUsed(match, now))) {
      return { verified: false, reason: 'replayed', message: 'That recovery code was used already. Each code works once: use another.' };
    }
    const left = await this.remaining(user);
    // The code is spent either way: a mail server that is down must not also cost the user their login.
    let notified = true;
    try {
      await this.context.host.sendMail(
        recoveryCodeUsedMail({ user, siteName: this.context.host.siteName(), attempt, usedAt: now, remaining: left.remaining, runningLow: left.runningLow }),
      );
    } catch {
      notified = false;
    }
    await this.context.audit.record({
      event: 'recovery_code_used',
      userId: user.id,
      factor: RECOVERY_CODES_FACTOR_ID,
      door: attempt.door,
      ip: attempt.ip,
      detail: { remaining: left.remaining, ownerNotified: notified },
    });
    return { verified: true, deviceId: match.id };
  }

  /** The set shows as one device ("Recovery codes, 7 of 10 left"); its id is the set's first row. */
  async listDevices(user: HostUser): Promise<FactorDevice[]> {
    const codes = await this.store.confirmed(user.id);
    const [first] = codes;
    if (!first) return [];
    const remaining = codes.filter(isUnused).length;
    const lastUsedAt = codes.reduce<number | null>((latest, code) => (code.lastUsedAt !== null && code.lastUsedAt > (latest ?? 0) ? code.lastUsedAt : latest), null);
    return [{ id: first.id, factor: RECOVERY_CODES_FACTOR_ID, label: `Recovery codes (${remaining} of ${codes.length} left)`, createdAt: first.createdAt, lastUsedAt }];
  }

  /** Removes the whole set (any of its ids names it). */
  async revoke(user: HostUser, deviceId: number): Promise<boolean> {
    const codes = await this.store.confirmed(user.id);
    if (!codes.some((code) => code.id === deviceId)) return false;
    return (await this.store.removeAll(user.id)) > 0;
  }

  /**
   * Step one: a new set of 10, returned in plain text this once (only salted hashes are
   * kept). It is pending: the current set keeps working until the user confirms they
   * saved the new one, so closing the page too early locks nobody out.
   */
  async beginSetup(user: HostUser, input: FactorInput): Promise<RecoveryCodesSetup> {
    const now = this.context.now();
    const codes = Array.from({ length: RECOVERY_CODES_PER_SET }, generateRecoveryCode);
    const ip = typeof input.ip === 'string' ? input.ip : null;
    const setupId = await this.store.insertPendingSet(user.id, codes, ip);
    return { setupId, codes, expiresAt: now + RECOVERY_CODES_SETUP_TTL_MS, replacesRemaining: await this.store.countUnused(user.id) };
  }

  /** Step two, "I have saved these codes": the new set becomes the user's and the old set stops working, in one transaction. */
  async confirmSetup(user: HostUser, input: FactorInput): Promise<FactorDevice> {
    const set = await this.store.pendingSet(user.id, Number(input.setupId));
    const [first] = set;
    const now = this.context.now();
    if (!first || now - first.createdAt > RECOVERY_CODES_SETUP_TTL_MS || !(await this.store.confirmSet(user.id, set))) {
      throw new MfaError('SETUP_EXPIRED', 'These codes were not saved in time, or newer ones were made. Generate a new set.');
    }
    return { id: first.id, factor: RECOVERY_CODES_FACTOR_ID, label: `Recovery codes (${set.length} of ${set.length} left)`, createdAt: first.createdAt, lastUsedAt: null };
  }
}

/** Single-use recovery codes, for a user without their device (Moodle tool_mfa's factor_backup). */
export const recoveryCodesFactor: FactorProviderFactory<RecoveryCodesSetup, object, RecoveryCodeInput> = {
  id: RECOVERY_CODES_FACTOR_ID,
  displayName: 'Recovery codes',
  referenceCategory: 'recovery',
  requiresInput: true,
  userSetupAllowed: true,
  capabilities: { requiresInput: true, sendsChallenge: false, worksWithoutBrowser: true, phishingResistant: false, userSetupAllowed: true },
  copy: recoveryCodesCopy,
  presentation: recoveryCodesPresentation,
  settings: recoveryCodesSettings,
  addedMail: {
    subject: 'New recovery codes were made',
    happened: 'A new set of recovery codes was made for your account on {site}. Your older codes no longer work.',
    ifYou: 'If this was you, keep the new codes somewhere safe. Nothing else to do.',
  },
  create: (context) => new RecoveryCodesProvider(context),
};

/** Unused codes left for a user, for the pages (how many remain; "generate more" when few do). `site`: `plugin.registry.context(settings)`. */
export async function recoveryCodesLeft(site: { forFactor(id: string): FactorContext }, user: HostUser): Promise<RecoveryCodesLeft> {
  return new RecoveryCodesProvider(site.forFactor(RECOVERY_CODES_FACTOR_ID)).remaining(user);
}
