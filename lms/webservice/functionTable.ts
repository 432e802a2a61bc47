import { calendarFunctions } from './calendarFunctions.ts';
import { dashboardFunctions } from './dashboardFunctions.ts';
import type { ServedFunction } from './externalFunction.ts';
import { mobileConfigFunction, mobilePluginsFunction } from './mobileConfig.ts';
import { siteInfoFunction } from './siteInfo.ts';

/**
 * Every function the REST server serves, each declared once. Site info's `functions`
 * list is derived from this table, so the app is never told of a function that is not
 * here (it would call it) nor left unaware of one that is (it would not).
 */
export const SERVED_FUNCTIONS: readonly ServedFunction[] = [siteInfoFunction, mobileConfigFunction, mobilePluginsFunction, ...dashboardFunctions, ...calendarFunctions];

const byName = new Map(SERVED_FUNCTIONS.map((fn) => [fn.name, fn]));

export function findServedFunction(name: string): ServedFunction | undefined {
  return byName.get(name);
}

/** The functions a token for `service` may call (external_services_functions), as site info lists them. */
export function functionsInService(service: string): ServedFunction[] {
  return SERVED_FUNCTIONS.filter((fn) => fn.services.includes(service));
}
