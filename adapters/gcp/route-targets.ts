import type { RouteTarget, TargetType } from '../../core/resource.js';
import { gcpResourcePath, nameOfPath, qualifiedPath } from './resource-path.js';

/** The next-hop fields of a Compute route (https://cloud.google.com/compute/docs/reference/rest/v1/routes). */
export interface GcpNextHop {
  nextHopGateway?: string | undefined;
  nextHopIp?: string | undefined;
  nextHopInstance?: string | undefined;
  nextHopIlb?: string | undefined;
  nextHopVpnTunnel?: string | undefined;
  nextHopPeering?: string | undefined;
  nextHopNetwork?: string | undefined;
}

/** The only gateway a route can name: https://cloud.google.com/vpc/docs/routes#next-hops */
const INTERNET_GATEWAY = 'default-internet-gateway';

/** Each next-hop field and the target type it means, in the order a route is read. */
const NEXT_HOPS: readonly [keyof GcpNextHop, TargetType][] = [
  ['nextHopGateway', 'internet'],
  ['nextHopIp', 'appliance'],
  ['nextHopInstance', 'appliance'],
  ['nextHopIlb', 'appliance'],
  ['nextHopVpnTunnel', 'vpn'],
  ['nextHopPeering', 'peering'],
  ['nextHopNetwork', 'peering'],
];

/**
 * A route's target in the snapshot format (DESIGN.md): the default internet gateway → internet;
 * a next-hop IP, instance or internal load balancer → appliance; a VPN tunnel → vpn; a peering
 * or peered network → peering; anything else (an NCC hub, nothing) → other. `id` is the next
 * hop's path (its IP, or a peering's name); partial URLs (`global/gateways/…`) are completed with `project`.
 */
export function routeTargetFromGcp(route: GcpNextHop, project?: string): RouteTarget {
  for (const [field, type] of NEXT_HOPS) {
    const value = route[field]?.trim();
    if (!value) continue;
    const id = project && value.includes('/') ? qualifiedPath(value, project, '') : gcpResourcePath(value);
    if (field === 'nextHopGateway' && nameOfPath(id) !== INTERNET_GATEWAY) return { type: 'other', id };
    return { type, id };
  }
  return { type: 'other' };
}
