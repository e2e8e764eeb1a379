import type { ResourceKind } from '../../core/resource.js';
import { watchedArmType } from './catalog.js';

/** An ARM resource id taken apart; every part keeps the spelling it had. */
export interface ArmId {
  /** The whole id, without a trailing slash. */
  id: string;
  subscription: string;
  /** `Microsoft.Network/routeTables/routes`: the provider namespace and the resource type path. */
  type: string;
  /** The id of the top-level resource the id is in (`…/routeTables/rt1` for `…/routeTables/rt1/routes/r1`). */
  topLevelId: string;
}

/**
 * Takes an ARM resource id apart: `/subscriptions/{s}[/resourceGroups/{g}]/providers/{namespace}/{type}/{name}[/{type}/{name}]…`.
 * An extension resource (`…/routeTables/rt1/providers/Microsoft.Insights/diagnosticSettings/x`) is of the
 * last provider's type. Undefined when `raw` is not a resource id.
 */
export function parseArmId(raw: string): ArmId | undefined {
  const id = raw.replace(/\/+$/, '');
  const parts = id.split('/');
  const subscription = parts[2];
  if (parts[0] !== '' || parts[1]?.toLowerCase() !== 'subscriptions' || !subscription) return undefined;
  let at = parts[3]?.toLowerCase() === 'resourcegroups' ? 5 : 3;
  let scope = -1;
  let types: string[] = [];
  while (at < parts.length) {
    const key = parts[at];
    const value = parts[at + 1];
    if (!key || !value) return undefined;
    if (key.toLowerCase() === 'providers') {
      scope = at;
      types = [value];
    } else {
      if (scope < 0) return undefined;
      types.push(key);
    }
    at += 2;
  }
  if (scope < 0 || types.length < 2) return undefined;
  return { id, subscription, type: types.join('/'), topLevelId: parts.slice(0, scope + 4).join('/') };
}

/**
 * The resource a watched ARM id (a child's included) is reported on, with its kind:
 * `…/routeTables/rt1/routes/r1` → the route table `…/routeTables/rt1`; `…/privateDnsZones/z/A/www` → the zone;
 * a peering is its own resource. Undefined for an id netdrift does not watch, and for a subnet or a VNet, which
 * are reported on selections, not one id: a subnet on the route tables and NAT gateways that hold it, a VNet
 * (not itself a netdrift resource) on those holding any of its subnets, and on its peerings.
 */
export function armParentId(id: string): { kind: ResourceKind; id: string } | undefined {
  const parsed = parseArmId(id);
  const watched = parsed && watchedArmType(parsed.type);
  if (!parsed || !watched) return undefined;
  switch (watched.on) {
    case 'itself': return { kind: watched.kind, id: parsed.id };
    case 'parent': return { kind: watched.kind, id: parsed.topLevelId };
    case 'subnet-holders':
    case 'network-contents': return undefined;
  }
}
