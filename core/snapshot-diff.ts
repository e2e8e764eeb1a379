import type { Drift } from './finding.js';
import { normalizeId, type Cloud, type Resource } from './resource.js';
import { diffResource } from './rules/index.js';
import { compareText, mergeSorted } from './rules/sorted.js';
import type { Snapshot } from './snapshot.js';

/** Resource identity order: kind, then id as the cloud compares ids (the canonical form's order). */
function byKindAndId(cloud: Cloud): (a: Resource, b: Resource) => number {
  if (cloud !== 'azure') return (a, b) => compareText(a.kind, b.kind) || compareText(a.id, b.id);
  return (a, b) => compareText(a.kind, b.kind) || compareText(normalizeId(cloud, a.id), normalizeId(cloud, b.id));
}

/**
 * Pairs every resource of two snapshots of one account by kind and id (either side may lack it),
 * in kind-then-id order: one sorted merge (canonical snapshots are sorted; others are sorted once).
 */
export function pairResources(cloud: Cloud, baseline: Snapshot, live: Snapshot): [Resource | undefined, Resource | undefined][] {
  const pairs: [Resource | undefined, Resource | undefined][] = [];
  mergeSorted(baseline.resources, live.resources, byKindAndId(cloud), (b, l) => { pairs.push([b, l]); });
  return pairs;
}

/**
 * The whole-snapshot diff (reconcile, `snapshot diff`): the drifts of every resource,
 * by the same rules the event path applies to one resource, so both yield the same findings.
 */
export function diffSnapshots(baseline: Snapshot, live: Snapshot): Drift[] {
  const cloud = baseline.scope.cloud;
  const ctx = { cloud };
  const drifts: Drift[] = [];
  mergeSorted(baseline.resources, live.resources, byKindAndId(cloud), (b, l) => {
    for (const drift of diffResource(b, l, ctx)) drifts.push(drift);
  });
  return drifts;
}
