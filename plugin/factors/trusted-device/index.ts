export { trustedDeviceFactor } from './trustedDeviceFactor.ts';
export { TRUSTED_DEVICE_COOKIE, TRUSTED_DEVICE_FACTOR_ID, TrustedDevices } from './trustedDevices.ts';
