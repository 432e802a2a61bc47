export { answerFields, type DeviceAnswer } from './deviceAnswer.ts';
export type { PendingPush } from './deviceFeed.ts';
export { canonicalMessage, READ_NONCE_MS } from './deviceSignature.ts';
export { drawNumbers, type PushChallenge } from './openPush.ts';
export { DEVICE_PAGE_PATH, PAIRING_TTL_MS, type PushSetup } from './pairing.ts';
export { pushFactor } from './pushFactor.ts';
export { deviceHandle, PUSH_FACTOR_ID, type PublicKeyJwk } from './pushRecords.ts';
