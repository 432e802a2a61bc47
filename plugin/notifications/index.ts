export { KnownSignIns, networkPrefix, type SignInNovelty, signInKey, signInKeys, type Sighting, sightingOf } from './knownSignIns.ts';
export { type KnownSignInRekeyReport, rekeyKnownSignIns } from './rekeyKnownSignIns.ts';
export { type SecurityNotifications, type SecurityNotificationsOptions, startSecurityNotifications } from './securityNotifications.ts';
