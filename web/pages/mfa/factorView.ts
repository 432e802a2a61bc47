import type { FactorCapabilities, FactorProviderFactory } from '../../../plugin/spi/factor.ts';
import type { FactorCopy, FactorPresentation } from '../../../plugin/spi/factorPresentation.ts';

/** What the pages know of a factor: its id, its words, what it can do, and how it appears. Made from its factory, never by id. */
export interface FactorView {
  id: string;
  /** Its name in lists and menus. */
  name: string;
  /** Its name inside a sentence ("your authenticator app"). */
  inSentence: string;
  copy: FactorCopy;
  capabilities: FactorCapabilities;
  presentation: FactorPresentation;
}

/** The pages' view of a factory: the factor's own copy, or words made from its display name. */
export function factorView(factory: FactorProviderFactory): FactorView {
  const copy: FactorCopy = factory.copy ?? {
    displayName: factory.displayName,
    addedMessage: `${factory.displayName} is set up.`,
    removedMessage: 'The device was removed from your account.',
  };
  return {
    id: factory.id,
    name: copy.displayName,
    inSentence: copy.inSentence ?? copy.displayName.toLowerCase(),
    copy,
    capabilities: factory.capabilities,
    presentation: factory.presentation ?? {},
  };
}

/** The factor's segment in the security page's URLs: `recovery_codes` → `recovery-codes`. */
export function factorSlug(factorId: string): string {
  return factorId.replaceAll('_', '-');
}

/** Where the security page's set-up of a factor begins (`/setup`) and ends (`/confirm`), and where a waiting step asks how it stands (`/setup/status`) and shows it next (`/setup/step`). */
export function setupPath(factorId: string, step: 'setup' | 'confirm' | 'setup/status' | 'setup/step'): string {
  return `/user/security/${factorSlug(factorId)}/${step}`;
}

/** Where a file the factor declared in `assets` is served. */
export function assetPath(factorId: string, name: string): string {
  return `/mfa/assets/${encodeURIComponent(factorId)}/${encodeURIComponent(name)}`;
}
