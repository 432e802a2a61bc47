export { KnownSignIns, networkPrefix, type SignInNovelty, signInKey, signInKeys, type Sighting } from './knownSignIns.ts';
export { type SecurityNotifications, type SecurityNotificationsOptions, startSecurityNotifications } from './securityNotifications.ts';
