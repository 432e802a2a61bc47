import { networkMatcher } from '../../net/cidr.ts';
import type { FactorContext, FactorProvider, FactorProviderFactory, FactorState } from '../../spi/factor.ts';
import { ipRangeCopy } from './ipRangePresentation.ts';

export const IP_RANGE_FACTOR_ID = 'ip_range';

class IpRangeProvider implements FactorProvider {
  constructor(private readonly context: FactorContext) {}
  async configuredFor(): Promise<boolean> {
    return false;
  }
  async state(_attempt: unknown, facts: { ip: string | null }): Promise<FactorState> {
    if (!facts.ip) return 'neutral';
    const inside = networkMatcher(this.context.settings.list('factor.ip_range.ranges'));
    return inside(facts.ip) ? 'pass' : 'neutral';
  }
}

/** Logins from the admin's listed networks (IPv4 or IPv6 CIDRs) pass without input. */
export const ipRangeFactor: FactorProviderFactory = {
  id: IP_RANGE_FACTOR_ID,
  displayName: 'Trusted network',
  referenceCategory: 'no-input',
  requiresInput: false,
  userSetupAllowed: false,
  capabilities: { requiresInput: false, sendsChallenge: false, worksWithoutBrowser: true, phishingResistant: false, userSetupAllowed: false },
  copy: ipRangeCopy,
  create: (context) => new IpRangeProvider(context),
};
