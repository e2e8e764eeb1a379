import type { Drift } from '../finding.js';
import type { InternetGateway, NatGateway } from '../resource.js';
import { driftOf, OR_APPROVE, sameId, sameSet, type KindDiffer, shortName } from './context.js';

/** Internet gateways (AWS IGW and egress-only IGW): attachment to a network is what matters. */
export const diffInternetGateway: KindDiffer<InternetGateway> = (baseline, observed, ctx) => {
  const drifts: Drift[] = [];
  const was = baseline?.network;
  const now = observed?.network;
  const gateway = baseline ?? observed;
  if (!gateway || sameId(ctx.cloud, was, now)) return drifts;
  if (was) {
    drifts.push(driftOf(gateway, 'internet-gateway.detached', 'medium', {
      item: was, summary: `internet gateway ${shortName(gateway.id)} ${observed ? 'detached from' : 'deleted, was attached to'} ${shortName(was)}`,
      hint: `Attach ${shortName(gateway.id)} to ${shortName(was)} again, ${OR_APPROVE}.`, baseline: was, ...(now ? { observed: now } : {}),
    }));
  }
  if (now) {
    drifts.push(driftOf(gateway, 'internet-gateway.attached', 'critical', {
      item: now, summary: `internet gateway ${shortName(gateway.id)} attached to ${shortName(now)}`,
      hint: `Detach ${shortName(gateway.id)} from ${shortName(now)}, ${OR_APPROVE}.`, observed: now, ...(was ? { baseline: was } : {}),
    }));
  }
  return drifts;
};

function natView(nat: NatGateway) {
  return { network: nat.network, subnets: nat.subnets, publicIps: nat.publicIps };
}

/** NAT gateways (AWS NAT gateways, Azure NAT gateways, GCP Cloud NAT configs). */
export const diffNatGateway: KindDiffer<NatGateway> = (baseline, observed, ctx) => {
  if (!baseline && observed) {
    return [driftOf(observed, 'nat.created', 'high', {
      summary: `NAT gateway ${shortName(observed.id)} created${observed.network ? ` in ${shortName(observed.network)}` : ''}`,
      hint: `Delete ${shortName(observed.id)} if nobody meant to create it, ${OR_APPROVE}.`, observed: natView(observed),
    })];
  }
  if (baseline && !observed) {
    return [driftOf(baseline, 'nat.deleted', 'medium', {
      summary: `NAT gateway ${shortName(baseline.id)} deleted`,
      hint: `Recreate ${shortName(baseline.id)} from the baseline, ${OR_APPROVE}.`, baseline: natView(baseline),
    })];
  }
  if (!baseline || !observed) return [];
  const same = sameId(ctx.cloud, baseline.network, observed.network)
    && sameSet(ctx.cloud, baseline.subnets, observed.subnets)
    && sameSet(ctx.cloud, baseline.publicIps, observed.publicIps);
  if (same) return [];
  return [driftOf(baseline, 'nat.changed', 'medium', {
    summary: `NAT gateway ${shortName(baseline.id)} changed (subnets ${observed.subnets.join(', ') || 'none'}; public IPs ${observed.publicIps.join(', ') || 'none'})`,
    hint: `Restore ${shortName(baseline.id)}'s subnets and public IPs from the baseline, ${OR_APPROVE}.`,
    baseline: natView(baseline), observed: natView(observed),
  })];
};
