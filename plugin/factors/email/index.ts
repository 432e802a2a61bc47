export { EMAIL_CODE_DIGITS, generateEmailCode, maskEmailAddress, normalizeEmailCode } from './emailCode.ts';
export { EMAIL_FACTOR_ID } from './emailAttemptData.ts';
export { EMAIL_SETUP_MAX_WRONG_CODES, EMAIL_SETUP_WINDOW_MS, type EmailCodeSent } from './emailEnrolment.ts';
export { emailFactor, loginCodeContext } from './emailFactor.ts';
export { NOT_ME_PATH } from './emailMessages.ts';
export { type NotMeReport, reportNotMe } from './reportNotMe.ts';
