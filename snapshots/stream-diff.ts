import type { Drift } from '../core/finding.js';
import { normalizeId, type Cloud, type Resource } from '../core/resource.js';
import { diffResource } from '../core/rules/index.js';
import { compareText } from './canonical.js';
import { Cursor, type SnapshotStream } from './snapshot-reader.js';

/**
 * The whole-snapshot diff of two stored snapshots read as streams: one sorted merge over both,
 * each pair diffed by the rules the event path applies (core/snapshot-diff.ts does the same over
 * arrays), so memory holds a batch of each side and the drifts, never a snapshot.
 *
 * The merge needs both sides in the rules' order (kind, then id as the cloud compares ids). That
 * is canonical order, except for Azure ids whose case sorts them differently once lower-cased;
 * such a side (or a snapshot edited out of order) makes this return undefined, and the caller
 * diffs the snapshots in memory instead.
 */
export async function diffSnapshotStreams(cloud: Cloud, baseline: SnapshotStream, candidate: SnapshotStream): Promise<Drift[] | undefined> {
  const idOf = cloud === 'azure' ? (r: Resource) => normalizeId(cloud, r.id) : (r: Resource) => r.id;
  const compare = (a: Resource, b: Resource) => compareText(a.kind, b.kind) || compareText(idOf(a), idOf(b));
  const left = new Cursor(baseline.items(), baseline.location);
  const right = new Cursor(candidate.items(), candidate.location);
  const ctx = { cloud };
  const drifts: Drift[] = [];
  let lastLeft: Resource | undefined;
  let lastRight: Resource | undefined;
  try {
    await Promise.all([left.fill(), right.fill()]);
    for (;;) {
      const b = left.head?.resource;
      const l = right.head?.resource;
      if (!b && !l) break;
      const order = !b ? 1 : !l ? -1 : compare(b, l);
      if (order <= 0 && b) {
        if (lastLeft && compare(lastLeft, b) >= 0) return undefined;
        lastLeft = b;
        left.advance();
        if (!left.head) await left.fill();
      }
      if (order >= 0 && l) {
        if (lastRight && compare(lastRight, l) >= 0) return undefined;
        lastRight = l;
        right.advance();
        if (!right.head) await right.fill();
      }
      for (const drift of diffResource(order <= 0 ? b : undefined, order >= 0 ? l : undefined, ctx)) drifts.push(drift);
    }
  } finally {
    await Promise.all([left.source.return(undefined), right.source.return(undefined)]);
  }
  return drifts;
}
