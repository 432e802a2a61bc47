export { IP_RANGE_FACTOR_ID, ipRangeFactor } from './ipRangeFactor.ts';
