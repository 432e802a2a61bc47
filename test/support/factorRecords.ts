import type { MfaPlugin } from '../../plugin/createMfaPlugin.ts';
import type { FactorRecord } from '../../plugin/spi/factorStorage.ts';

/** One of a user's records of a factor, as the factor's storage holds it (tests look at what a factor stored). */
export async function storedRecord(mfa: MfaPlugin, factorId: string, userId: string, id: number): Promise<FactorRecord | null> {
  const context = mfa.registry.context(await mfa.settings.snapshot()).forFactor(factorId);
  return context.storage.records.get(userId, id);
}

/** All of a user's confirmed records of a factor. */
export async function storedRecords(mfa: MfaPlugin, factorId: string, userId: string): Promise<FactorRecord[]> {
  const context = mfa.registry.context(await mfa.settings.snapshot()).forFactor(factorId);
  return context.storage.records.list(userId);
}

/** A field of a record's data (the factor's own JSON), undefined when absent. */
export function dataField(record: FactorRecord | null | undefined, field: string): unknown {
  const data = record?.data;
  return data !== null && typeof data === 'object' && field in data ? (data as Record<string, unknown>)[field] : undefined;
}
