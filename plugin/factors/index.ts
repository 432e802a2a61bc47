import type { AnyFactorProviderFactory } from '../spi/factor.ts';
import { emailFactor } from './email/index.ts';
import { ipRangeFactor } from './ip-range/index.ts';
import { pushFactor } from './push/index.ts';
import { recoveryCodesFactor } from './recovery-codes/index.ts';
import { totpFactor } from './totp/index.ts';
import { trustedDeviceFactor } from './trusted-device/index.ts';
import { webauthnFactor } from './webauthn/index.ts';

/**
 * The factors that ship with mfa-bridge, in registration order (the order they are offered
 * in, after phishing-resistant ones). The one place a built-in factor is registered.
 */
export const builtInFactors: readonly AnyFactorProviderFactory[] = [totpFactor, trustedDeviceFactor, ipRangeFactor, emailFactor, recoveryCodesFactor, webauthnFactor, pushFactor];
