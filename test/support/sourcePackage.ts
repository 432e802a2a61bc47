import { register } from 'node:module';

/**
 * Lets a test host import `mfa-bridge`, `mfa-bridge/express`, `mfa-bridge/passport`... as an
 * installed app does, resolved through the package's `exports` to this checkout's sources
 * (sourcePackageHooks.mjs). Call it before importing the host.
 */
export function resolvePackageFromSources(): void {
  register('./sourcePackageHooks.mjs', import.meta.url);
}
