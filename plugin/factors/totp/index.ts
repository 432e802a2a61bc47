export { generateTotpCode, type TotpAlgorithm, type TotpParameters, verifyTotpCode } from './totpCode.ts';
export { TOTP_FACTOR_ID, TOTP_SETUP_TTL_MS, type TotpInput, type TotpSetup, totpFactor } from './totpFactor.ts';
