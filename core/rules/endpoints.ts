import type { Drift } from '../finding.js';
import type { Peering, PrivateEndpoint, Subnet } from '../resource.js';
import { driftOf, OR_APPROVE, sameId, sameSet, type KindDiffer, shortName } from './context.js';

/** Policies compare by meaning: the same JSON document formatted differently is the same policy. */
function samePolicy(a: string | undefined, b: string | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  try {
    return JSON.stringify(sortKeys(JSON.parse(a))) === JSON.stringify(sortKeys(JSON.parse(b)));
  } catch {
    return false;
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

function endpointView(pe: PrivateEndpoint) {
  return { service: pe.service, privateDns: pe.privateDns, policy: pe.policy, subnets: pe.subnets };
}

/** Private endpoints (AWS VPC endpoints, Azure private endpoints, GCP PSC forwarding rules). */
export const diffPrivateEndpoint: KindDiffer<PrivateEndpoint> = (baseline, observed, ctx) => {
  if (baseline && !observed) {
    return [driftOf(baseline, 'private-endpoint.deleted', 'high', {
      summary: `private endpoint ${shortName(baseline.id)} for ${baseline.service} deleted: its traffic may now leave through the internet`,
      hint: `Recreate ${shortName(baseline.id)} for ${baseline.service}, ${OR_APPROVE}.`, baseline: endpointView(baseline),
    })];
  }
  if (!baseline && observed) {
    return [driftOf(observed, 'private-endpoint.created', 'low', {
      summary: `private endpoint ${shortName(observed.id)} for ${observed.service} created`,
      hint: `Delete ${shortName(observed.id)} if nobody meant to create it, ${OR_APPROVE}.`, observed: endpointView(observed),
    })];
  }
  if (!baseline || !observed) return [];
  const changes: string[] = [];
  if (!sameId(ctx.cloud, baseline.service, observed.service)) changes.push(`service ${observed.service}`);
  if ((baseline.privateDns ?? false) !== (observed.privateDns ?? false)) changes.push(`private DNS ${observed.privateDns ? 'on' : 'off'}`);
  if (!samePolicy(baseline.policy, observed.policy)) changes.push('policy');
  if (!sameSet(ctx.cloud, baseline.subnets ?? [], observed.subnets ?? [])) changes.push(`subnets ${(observed.subnets ?? []).join(', ') || 'none'}`);
  if (changes.length === 0) return [];
  return [driftOf(baseline, 'private-endpoint.changed', 'high', {
    summary: `private endpoint ${shortName(baseline.id)} changed: ${changes.join('; ')}`,
    hint: `Restore ${shortName(baseline.id)}'s ${changes.map((c) => c.split(' ')[0]).join(', ')} from the baseline, ${OR_APPROVE}.`,
    baseline: endpointView(baseline), observed: endpointView(observed),
  })];
};

/** Subnets: only what matters for egress, GCP Private Google Access. */
export const diffSubnet: KindDiffer<Subnet> = (baseline, observed) => {
  if (!baseline || !observed) return [];
  const was = baseline.privateAccess ?? false;
  const now = observed.privateAccess ?? false;
  if (was === now) return [];
  return [driftOf(baseline, 'subnet.private-access-changed', now ? 'low' : 'high', {
    summary: `private Google access turned ${now ? 'on' : 'off'} on ${shortName(baseline.id)}`,
    hint: `Turn private Google access ${was ? 'on' : 'off'} again on ${shortName(baseline.id)}, ${OR_APPROVE}.`,
    baseline: was, observed: now,
  })];
};

/** Network peerings: one appearing opens a path, one gone closes a reviewed one. */
export const diffPeering: KindDiffer<Peering> = (baseline, observed, ctx) => {
  const drifts: Drift[] = [];
  if (baseline && observed && sameId(ctx.cloud, baseline.peerNetwork, observed.peerNetwork)) return drifts;
  if (baseline) {
    drifts.push(driftOf(baseline, 'peering.removed', 'medium', {
      item: baseline.peerNetwork, summary: `peering ${shortName(baseline.id)} with ${shortName(baseline.peerNetwork)} removed`,
      hint: `Recreate the peering with ${shortName(baseline.peerNetwork)}, ${OR_APPROVE}.`, baseline: baseline.peerNetwork,
    }));
  }
  if (observed) {
    drifts.push(driftOf(baseline ?? observed, 'peering.added', 'high', {
      item: observed.peerNetwork,
      summary: `peering ${shortName(observed.id)} from ${observed.network ?? 'a network'} to ${shortName(observed.peerNetwork)} added`,
      hint: `Delete the peering ${shortName(observed.id)}, ${OR_APPROVE}.`, observed: observed.peerNetwork,
    }));
  }
  return drifts;
};
