import type { MfaPlugin } from '../../plugin/createMfaPlugin.ts';

/**
 * Runs `body` with these settings, then puts back what they were, even when it fails: no
 * test leans on another's leftovers, nor breaks the next one by failing halfway.
 *
 * @example
 * await withSettings(site.mfa, { mobile_app_mfa: true }, async () => { ... });
 */
export async function withSettings<T>(mfa: Pick<MfaPlugin, 'settings'>, values: Record<string, unknown>, body: () => Promise<T>): Promise<T> {
  const before: Record<string, unknown> = {};
  for (const name of Object.keys(values)) before[name] = await mfa.settings.get(name);
  await mfa.settings.setMany(values, 'test');
  try {
    return await body();
  } finally {
    await mfa.settings.setMany(before, 'test');
  }
}
