import type { FactorSettingDefinition } from '../../spi/settings.ts';

/** The factor's admin settings, stored as `factor.webauthn.<name>` (merged into the settings store, the admin page, the CLI and manifest.json). */
export const webauthnSettings: readonly FactorSettingDefinition[] = [
  {
    name: 'enabled', type: 'boolean', default: true,
    label: 'Enabled',
    help: 'Users may register security keys and passkeys (WebAuthn) and use them to verify.',
  },
  {
    name: 'weight', type: 'integer', default: 100, min: 0, max: 100,
    label: 'Weight',
    help: 'Points this factor adds when passed; MFA passes at 100.',
  },
  {
    name: 'rp_name', type: 'string', default: '', maxLength: 100,
    label: 'Relying party name',
    help: "The name a security key shows when it is registered. Empty: the site's name.",
  },
  {
    name: 'rp_id', type: 'string', default: '', maxLength: 253,
    label: 'Relying party ID',
    help: "The domain keys are bound to (e.g. lms.example.edu, or example.edu to share keys with its subdomains). Empty: the hostname of the site's address. Changing it makes every registered key unusable.",
  },
  {
    name: 'origin', type: 'string', default: '', maxLength: 255,
    label: 'Origin',
    help: "The address browsers use for this site, e.g. https://lms.example.edu (no path). Empty: the site's address.",
  },
  {
    name: 'user_verification', type: 'select', default: 'preferred', options: ['required', 'preferred', 'discouraged'],
    label: 'User verification',
    help: 'Whether the key must also check who holds it (PIN, fingerprint). Required refuses keys that cannot.',
  },
  {
    name: 'authenticator_attachment', type: 'select', default: 'any', options: ['any', 'platform', 'cross-platform'],
    label: 'Authenticator type',
    help: 'Platform: passkeys built into the device (Windows Hello, Touch ID). Cross-platform: security keys and phones. Any: both.',
  },
  {
    name: 'attestation', type: 'select', default: 'none', options: ['none', 'direct'],
    label: 'Attestation',
    help: 'Direct asks the key to prove its make and model at registration; none does not (and reveals less about users).',
  },
  {
    name: 'timeout_seconds', type: 'integer', default: 60, min: 15, max: 600,
    label: 'Timeout (seconds)',
    help: 'How long the browser waits for the key, and how long one request for it stays valid.',
  },
];
