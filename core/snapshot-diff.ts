import type { Drift } from './finding.js';
import { normalizeId, type Cloud, type Resource } from './resource.js';
import { diffResource } from './rules/index.js';
import type { Snapshot } from './snapshot.js';

function byResource(cloud: Cloud, resources: readonly Resource[]): Map<string, Resource> {
  return new Map(resources.map((r) => [`${r.kind}/${normalizeId(cloud, r.id)}`, r]));
}

/** Pairs every resource of two snapshots of one account by kind and id (either side may lack it). */
export function pairResources(cloud: Cloud, baseline: Snapshot, live: Snapshot): [Resource | undefined, Resource | undefined][] {
  const before = byResource(cloud, baseline.resources);
  const after = byResource(cloud, live.resources);
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].sort().map((key) => [before.get(key), after.get(key)]);
}

/**
 * The whole-snapshot diff (reconcile, `snapshot diff`): the drifts of every resource,
 * by the same rules the event path applies to one resource, so both yield the same findings.
 */
export function diffSnapshots(baseline: Snapshot, live: Snapshot): Drift[] {
  const cloud = baseline.scope.cloud;
  return pairResources(cloud, baseline, live).flatMap(([b, l]) => diffResource(b, l, { cloud }));
}
