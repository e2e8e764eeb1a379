import type { BaselineCache } from './baseline-cache.js';
import type { Finding } from './finding.js';
import { findingTransitions, outboxEntries, type AlertPolicy, type Provenance } from './finding-transitions.js';
import type { ObservedState, StateCommit, StateStore } from './ports.js';
import { resourceKeyOf, type Scope } from './resource.js';
import { diffResource } from './rules/index.js';
import { pairResources } from './snapshot-diff.js';
import type { Snapshot } from './snapshot.js';

export interface ReconcileOutcome {
  /** False when the account has no approved baseline (nothing was compared). */
  compared: boolean;
  opened: Finding[];
  resolved: Finding[];
}

/**
 * Reconcile: diffs a full capture of live state against the baseline by the same rules as the
 * event path, opening drift that no event reported and resolving what was put back — including
 * open findings on resources that neither side has any more. One transaction, like an event.
 * With `regions`, only resources (and findings) in those regions are compared: a region the capture
 * could not read is left as it was, never taken for empty.
 */
export async function reconcileAccount(
  deps: { state: StateStore; baselines: BaselineCache; policy: AlertPolicy; now: () => Date },
  live: Snapshot,
  from: Provenance,
  regions?: readonly string[],
): Promise<ReconcileOutcome> {
  const scope: Scope = { cloud: live.scope.cloud, account: live.scope.account };
  const baseline = await deps.baselines.get(scope);
  if (!baseline) return { compared: false, opened: [], resolved: [] };
  const now = deps.now().toISOString();
  // A capture that could not read a region says nothing about it: compare only the regions it covered.
  const covered = regions ? new Set(regions) : undefined;
  const inScope = (region: string) => !covered || covered.has(region);
  const open = (await deps.state.listFindings({ status: 'open', ...scope })).filter((f) => inScope(f.region));
  const openByResource = new Map<string, Finding[]>();
  for (const finding of open) {
    const key = resourceKeyOf(scope, finding.kind, finding.resource);
    const findings = openByResource.get(key);
    if (findings) findings.push(finding);
    else openByResource.set(key, [finding]);
  }
  const commit: StateCommit = { processed: [], observed: [], findings: [], outbox: [] };
  const opened: Finding[] = [];
  const resolved: Finding[] = [];
  const settle = (key: string, drifts: ReturnType<typeof diffResource>) => {
    const t = findingTransitions(scope, drifts, openByResource.get(key) ?? [], from, now, true);
    openByResource.delete(key);
    opened.push(...t.opened);
    resolved.push(...t.resolved);
    commit.findings.push(...t.opened, ...t.resolved, ...t.touched);
  };
  for (const [before, after] of pairResources(scope.cloud, baseline.snapshot, live)) {
    const resource = before ?? after;
    if (!resource || !inScope(resource.region)) continue;
    settle(resourceKeyOf(scope, resource.kind, resource.id), diffResource(before, after, { cloud: scope.cloud }));
    const observed: ObservedState = {
      ...scope, kind: resource.kind, id: resource.id, region: resource.region,
      state: after ?? null, eventTime: from.eventTime, eventId: from.eventId,
    };
    commit.observed.push(observed);
  }
  for (const key of [...openByResource.keys()]) settle(key, []);
  commit.outbox = outboxEntries(opened, resolved, deps.policy);
  await deps.state.commit(commit);
  return { compared: true, opened, resolved };
}
