import type { SettingsView } from '../../spi/settings.ts';
import type { Host } from '../../spi/host.ts';

export type UserVerificationSetting = 'required' | 'preferred' | 'discouraged';
export type AuthenticatorAttachmentSetting = 'any' | 'platform' | 'cross-platform';

/** Who we are to an authenticator, and what we ask of it: the factor's settings, with the site's defaults filled in. */
export interface RelyingParty {
  /** Shown by the authenticator at registration. @default the site's name */
  name: string;
  /** WebAuthn §5.1.2 / §13.4.9: a registrable domain, never an IP or a port. @default the site origin's hostname */
  id: string;
  /** The origin clientDataJSON must name (§7.1 step 9, §7.2 step 13). @default the site's origin */
  origin: string;
  userVerification: UserVerificationSetting;
  attachment: AuthenticatorAttachmentSetting;
  attestation: 'none' | 'direct';
  /** How long the browser waits, and how long a challenge stays usable. */
  timeoutMs: number;
}

/** Reads `factor.webauthn.*`; an empty string means "as the site says" (Host.siteName / siteOrigin). */
export function relyingPartyFrom(settings: SettingsView, host: Host): RelyingParty {
  const origin = settings.string('factor.webauthn.origin').trim() || host.siteOrigin();
  return {
    name: settings.string('factor.webauthn.rp_name').trim() || host.siteName(),
    id: settings.string('factor.webauthn.rp_id').trim() || new URL(origin).hostname,
    origin: origin.replace(/\/+$/, ''),
    userVerification: settings.string('factor.webauthn.user_verification') as UserVerificationSetting,
    attachment: settings.string('factor.webauthn.authenticator_attachment') as AuthenticatorAttachmentSetting,
    attestation: settings.string('factor.webauthn.attestation') as 'none' | 'direct',
    timeoutMs: settings.integer('factor.webauthn.timeout_seconds') * 1000,
  };
}
