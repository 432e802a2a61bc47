export { type RelyingParty, relyingPartyFrom } from './relyingParty.ts';
export { checkSignatureCounter, type SignatureCounterVerdict } from './signatureCounter.ts';
export { userHandleFor, WEBAUTHN_FACTOR_ID } from './webauthnCredentials.ts';
export { renameCredential, type WebauthnSetup } from './webauthnEnrolment.ts';
export { webauthnFactor } from './webauthnFactor.ts';
export type { WebauthnLoginChallenge } from './webauthnLogin.ts';
