import { z } from 'zod';
import type { Delta } from '../../core/change.js';
import { ParseError } from '../../core/errors.js';
import type { NatGateway, Peering, Route } from '../../core/resource.js';
import {
  fromRequest, Integer, NONE, OptionalText, readRequest, resourcePath, touched,
  type AuditCall, type ChangeDraft, type MethodExtractor,
} from './extraction.js';
import { nameOfPath, qualifiedPath, regionOfPath } from './resource-path.js';
import { routeTargetFromGcp } from './route-targets.js';

/** The Compute API's default route priority: https://cloud.google.com/compute/docs/reference/rest/v1/routes */
const DEFAULT_PRIORITY = 1000;

const ROUTE = /^projects\/[^/]+\/global\/routes\/[^/]+$/;
const ROUTER = /^projects\/[^/]+\/regions\/[^/]+\/routers\/[^/]+$/;
const NETWORK = /^projects\/[^/]+\/global\/networks\/[^/]+$/;

const RouteRequest = z.looseObject({
  name: OptionalText,
  network: z.string().min(1),
  destRange: z.string().min(1),
  priority: Integer.optional(),
  tags: z.array(z.string()).optional(),
  nextHopGateway: OptionalText,
  nextHopIp: OptionalText,
  nextHopInstance: OptionalText,
  nextHopIlb: OptionalText,
  nextHopVpnTunnel: OptionalText,
  nextHopPeering: OptionalText,
  nextHopNetwork: OptionalText,
});

/** A router's Cloud NAT config (https://cloud.google.com/compute/docs/reference/rest/v1/routers). */
export const RouterNat = z.looseObject({
  name: z.string().min(1),
  sourceSubnetworkIpRangesToNat: OptionalText,
  subnetworks: z.array(z.looseObject({ name: z.string().min(1) })).optional(),
  natIpAllocateOption: OptionalText,
  natIps: z.array(z.string().min(1)).optional(),
});

const RouterRequest = z.looseObject({ network: OptionalText, nats: z.array(RouterNat).optional() });

const AddPeeringRequest = z.looseObject({
  name: OptionalText,
  peerNetwork: OptionalText,
  networkPeering: z.looseObject({ name: OptionalText, network: OptionalText }).optional(),
});

const RemovePeeringRequest = z.looseObject({ name: z.string().min(1) });

/** A route names only itself (`projects/P/global/routes/NAME`); its network is the route table. */
function routeLocated(call: AuditCall): ChangeDraft[] {
  const name = nameOfPath(resourcePath(call, ROUTE, 'projects/P/global/routes/NAME'));
  return [{ id: '', region: 'global', locate: { field: 'routes', match: { name } }, payload: NONE }];
}

function insertRoute(call: AuditCall): ChangeDraft[] {
  const request = readRequest(RouteRequest, call);
  const name = request.name ?? nameOfPath(resourcePath(call, ROUTE, 'projects/P/global/routes/NAME'));
  const tags = request.tags ?? [];
  const item: Route = {
    name,
    destination: request.destRange,
    target: routeTargetFromGcp(request, call.project),
    priority: request.priority ?? DEFAULT_PRIORITY,
    ...(tags.length > 0 ? { tags } : {}),
  };
  const network = qualifiedPath(request.network, call.project, 'global/networks');
  return [{ id: network, region: 'global', payload: { kind: 'delta', deltas: [{ op: 'put-item', field: 'routes', key: ['name'], item }] } }];
}

function deleteRoute(call: AuditCall): ChangeDraft[] {
  return routeLocated(call).map((draft) => ({
    ...draft, payload: { kind: 'delta', deltas: [{ op: 'remove-item', field: 'routes', match: draft.locate?.match ?? {} }] },
  }));
}

/** `ALL_SUBNETWORKS_ALL_IP_RANGES` / `ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES`: every subnet in the region. */
export function natSubnets(nat: z.output<typeof RouterNat>, project: string, region: string): string[] {
  if (nat.sourceSubnetworkIpRangesToNat?.startsWith('ALL_SUBNETWORKS')) return ['*'];
  return (nat.subnetworks ?? []).map((subnet) => qualifiedPath(subnet.name, project, `regions/${region}/subnetworks`));
}

export function natPublicIps(nat: z.output<typeof RouterNat>, project: string, region: string): string[] {
  if (nat.natIpAllocateOption === 'AUTO_ONLY') return [];
  return (nat.natIps ?? []).map((address) => qualifiedPath(address, project, `regions/${region}/addresses`));
}

/** The NATs of a router. A request without the router's network sets only what the NAT config says. */
function routerNats(call: AuditCall, nats: z.output<typeof RouterNat>[], network: string | undefined): ChangeDraft[] {
  const router = resourcePath(call, ROUTER, 'projects/P/regions/R/routers/NAME');
  const region = regionOfPath(router);
  return nats.map((nat) => {
    const id = `${router}/nats/${nat.name}`;
    const subnets = natSubnets(nat, call.project, region);
    const publicIps = natPublicIps(nat, call.project, region);
    if (network === undefined) {
      const deltas: Delta[] = [{ op: 'set', field: 'subnets', value: subnets }, { op: 'set', field: 'publicIps', value: publicIps }];
      return { id, region, payload: { kind: 'delta', deltas } };
    }
    const state: NatGateway = { kind: 'nat-gateway', id, region, network, subnets, publicIps };
    return { id, region, payload: { kind: 'full', state } };
  });
}

/** The NATs a router no longer has: every NAT under it but the ones in the request. */
function removedNats(call: AuditCall, kept: readonly ChangeDraft[]): ChangeDraft {
  const router = resourcePath(call, ROUTER, 'projects/P/regions/R/routers/NAME');
  return {
    id: '', region: regionOfPath(router), action: 'delete', payload: NONE,
    select: { idPrefix: `${router}/nats/`, except: kept.map((draft) => draft.id) },
  };
}

function routerNatsSelected(call: AuditCall): ChangeDraft[] {
  const router = resourcePath(call, ROUTER, 'projects/P/regions/R/routers/NAME');
  return [{ id: '', region: regionOfPath(router), select: { idPrefix: `${router}/nats/` }, payload: NONE }];
}

/**
 * routers.insert, .patch and .update carry the router, NATs included. A new router has no other
 * NATs to remove; a patch or update leaves the router with exactly the NATs it lists (an update
 * replaces the router, so one without `nats` removes them all).
 */
function writeRouter(replaces: boolean): MethodExtractor['extract'] {
  return (call) => {
    const request = readRequest(RouterRequest, call);
    const network = request.network === undefined ? undefined : qualifiedPath(request.network, call.project, 'global/networks');
    const nats = routerNats(call, request.nats ?? [], network);
    return replaces ? [...nats, removedNats(call, nats)] : nats;
  };
}

const withoutNats = (method: string) => (request: Record<string, unknown>) =>
  (Array.isArray(request.nats) && request.nats.length > 0 ? undefined : `${method} without nats`);

/** Without the request, which peering changed is unknown: each of the network's is re-checked, none taken to be gone. */
function peeringsOf(call: AuditCall): ChangeDraft[] {
  const network = resourcePath(call, NETWORK, 'projects/P/global/networks/NAME');
  return [{ id: '', region: 'global', action: 'update', select: { idPrefix: `${network}/peerings/` }, payload: NONE }];
}

function addPeering(call: AuditCall): ChangeDraft[] {
  const request = readRequest(AddPeeringRequest, call);
  const network = resourcePath(call, NETWORK, 'projects/P/global/networks/NAME');
  const name = request.networkPeering?.name ?? request.name;
  const peer = request.networkPeering?.network ?? request.peerNetwork;
  if (!name) throw new ParseError('protoPayload.request.networkPeering.name missing');
  if (!peer) throw new ParseError('protoPayload.request.networkPeering.network missing');
  const id = `${network}/peerings/${name}`;
  const state: Peering = { kind: 'peering', id, region: 'global', network, peerNetwork: qualifiedPath(peer, call.project, 'global/networks') };
  return [{ id, region: 'global', payload: { kind: 'full', state } }];
}

function removePeering(call: AuditCall): ChangeDraft[] {
  const { name } = readRequest(RemovePeeringRequest, call);
  return [touched(`${resourcePath(call, NETWORK, 'projects/P/global/networks/NAME')}/peerings/${name}`, 'global')];
}

/** Routes, Cloud NAT (inside routers) and network peerings. */
export const routingExtractors: Readonly<Record<string, MethodExtractor>> = {
  'compute.routes.insert': fromRequest(insertRoute, routeLocated),
  // A delete names its route: its last entry alone (the first lost) still says the route is gone.
  'compute.routes.delete': { extract: deleteRoute, affected: routeLocated, fromLast: deleteRoute },
  'compute.routers.insert': fromRequest(writeRouter(false), routerNatsSelected, withoutNats('compute.routers.insert')),
  // A patch changes only the fields it carries: without `nats`, the router's NATs are untouched.
  'compute.routers.patch': fromRequest(writeRouter(true), routerNatsSelected,
    (request) => ('nats' in request ? undefined : 'compute.routers.patch without nats')),
  'compute.routers.update': fromRequest(writeRouter(true), routerNatsSelected),
  'compute.routers.delete': {
    extract: (call) => routerNatsSelected(call).map((draft) => ({ ...draft, action: 'delete' as const })),
    affected: routerNatsSelected,
  },
  'compute.networks.addPeering': fromRequest(addPeering, peeringsOf),
  'compute.networks.removePeering': fromRequest(removePeering, peeringsOf),
};
