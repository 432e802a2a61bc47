export { generateRecoveryCode, normalizeRecoveryCode, RECOVERY_CODES_PER_SET } from './recoveryCode.ts';
export { RECOVERY_CODES_FACTOR_ID } from './recoveryCodeStore.ts';
export {
  RECOVERY_CODES_RUNNING_LOW_AT,
  RECOVERY_CODES_SETUP_TTL_MS,
  type RecoveryCodesLeft,
  type RecoveryCodesSetup,
  recoveryCodesFactor,
  recoveryCodesLeft,
  type RecoveryCodeInput,
} from './recoveryCodesFactor.ts';
export { recoveryCodeUsedMessage } from './recoveryCodesPresentation.ts';
