import diff from 'microdiff';
import type { Resource } from '../core/resource.js';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../core/snapshot.js';
import { diffSnapshots } from '../core/snapshot-diff.js';
import { canonicalSnapshot } from '../snapshots/canonical.js';

/**
 * Our whole-snapshot diff (rules, findings-ready drifts) against a general deep-diff library
 * (microdiff: structural changes only, no meaning) over the same two snapshots.
 */
function account(tables: number, drifted: boolean): Snapshot {
  const resources: Resource[] = [];
  for (let t = 0; t < tables; t += 1) {
    const routes = Array.from({ length: 20 }, (_, r) => ({ destination: `10.${t % 250}.${r}.0/24`, target: { type: 'transit' as const, id: `tgw-${r}` } }));
    // Drift that shifts no array position (a route retargeted), so microdiff reports it as one change too.
    if (drifted && t % 10 === 0) routes[5] = { destination: routes[5]?.destination ?? '', target: { type: 'transit', id: 'tgw-rogue' } };
    resources.push({ kind: 'route-table', id: `rtb-${t}`, region: 'eu-west-1', network: `vpc-${t % 7}`, routes, subnets: [`subnet-${t}a`, `subnet-${t}b`] });
    resources.push({
      kind: 'dns-zone', id: `Z${t}`, region: 'global', name: `zone${t}.internal.`, private: true, networks: [`vpc-${t % 7}`],
      records: Array.from({ length: 10 }, (_, r) => ({ name: `h${r}.zone${t}.internal.`, type: 'A', ttl: 300, values: [drifted && r === 0 && t % 10 === 1 ? '203.0.113.9' : `10.0.${t % 250}.${r}`] })),
    });
  }
  return { schema: SNAPSHOT_SCHEMA, scope: { cloud: 'aws', account: '111122223333' }, capturedAt: '2026-11-26T00:00:00Z', resources };
}

function timeMs(runs: number, work: () => unknown): number {
  work();
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i += 1) work();
  return Number(process.hrtime.bigint() - start) / 1e6 / runs;
}

/** Sizes in resources (half route tables, half private zones); `BENCH_DIFF_SIZES=10000,100000` shrinks the run. */
const SIZES = (process.env.BENCH_DIFF_SIZES ?? '10000,100000,300000').split(',').map(Number).filter((n) => n > 0);

/** In-process diff of two snapshots against microdiff at each size, as a ratio measured side by side. */
export function snapshotDiffReport(): string[] {
  const lines = ['resources: half route tables (20 routes), half private zones (10 records); 1 in 10 of each drifted'];
  for (const size of SIZES) {
    const tables = Math.round(size / 2);
    // As `snapshot diff` and reconcile see them: canonical (sorted), the form snapshots are stored in.
    const baseline = canonicalSnapshot(account(tables, false));
    const live = canonicalSnapshot(account(tables, true));
    const runs = size <= 10_000 ? 10 : 2;
    const theirs = timeMs(runs, () => diff(baseline, live));
    const ours = timeMs(runs, () => diffSnapshots(baseline, live));
    const drifts = diffSnapshots(baseline, live).length;
    const changes = diff(baseline, live).length;
    lines.push(`${String(size).padStart(7)} resources: netdrift ${ours.toFixed(1)} ms (${drifts} drifts), microdiff ${theirs.toFixed(1)} ms `
      + `(${changes} changes) → ${(ours / theirs).toFixed(2)}x microdiff's time (goal ≤ 0.8x)`);
  }
  return lines;
}
