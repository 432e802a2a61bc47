export { KnownSignIns, networkPrefix, type SignInNovelty, signInKey } from './knownSignIns.ts';
export { type SecurityNotifications, type SecurityNotificationsOptions, startSecurityNotifications } from './securityNotifications.ts';
