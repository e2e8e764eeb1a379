import type { Drift } from '../finding.js';
import type { Resource, ResourceKind, ResourceOf } from '../resource.js';
import type { KindDiffer, RuleContext } from './context.js';
import { diffDnsForwarding, diffDnsZone } from './dns.js';
import { diffPeering, diffPrivateEndpoint, diffSubnet } from './endpoints.js';
import { diffInternetGateway, diffNatGateway } from './gateways.js';
import { diffRouteTable } from './route-table.js';

/** The rules, by the kind they judge. Explicit: adding a kind means adding a line here. */
const DIFFERS: { [K in ResourceKind]: KindDiffer<ResourceOf<K>> } = {
  'route-table': diffRouteTable,
  'nat-gateway': diffNatGateway,
  'private-endpoint': diffPrivateEndpoint,
  'internet-gateway': diffInternetGateway,
  'dns-zone': diffDnsZone,
  'dns-forwarding': diffDnsForwarding,
  subnet: diffSubnet,
  peering: diffPeering,
};

/**
 * The drifts a resource has now: its observed state (undefined when it does not exist)
 * against its baseline (undefined when the baseline lacks it).
 */
export function diffResource(baseline: Resource | undefined, observed: Resource | undefined, ctx: RuleContext): Drift[] {
  const kind = (baseline ?? observed)?.kind;
  if (!kind) return [];
  if (baseline && observed && baseline.kind !== observed.kind) return [];
  const differ = DIFFERS[kind] as KindDiffer<Resource>;
  return differ(baseline, observed, ctx);
}

export type { RuleContext } from './context.js';
export { dnsName } from './dns.js';
export { routeKey } from './route-table.js';
