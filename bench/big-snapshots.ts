import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Resource, Scope } from '../core/resource.js';
import { SNAPSHOT_SCHEMA } from '../core/snapshot.js';
import { canonicalResource, compactJson } from '../snapshots/canonical.js';
import { FilesystemSnapshotStore } from '../snapshots/fs-store.js';

/**
 * Snapshots past one string (issue 12): the built CLI approves and diffs generated snapshots of
 * BENCH_BIG_SIZES resources (default 100000,1000000), each command in its own process, its peak
 * RSS read by /usr/bin/time; at the sizes in BENCH_BIG_REFERENCE (default 100000) `snapshot diff`
 * is timed against `JSON.parse` of the same part files + microdiff, in a process of its own too.
 */
const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist/cli/netdrift.js');
const SCOPE: Scope = { cloud: 'aws', account: '111122223333' };
const REGIONS = ['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2'];
/** Routes per table and records per zone: BENCH_BIG_ROUTES, BENCH_BIG_RECORDS (smaller resources, same count). */
const ROUTES = Number(process.env.BENCH_BIG_ROUTES ?? 20);
const RECORDS = Number(process.env.BENCH_BIG_RECORDS ?? 10);
const sizes = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').map(Number).filter((n) => n > 0);

/** The `t`-th route table (ROUTES routes) or private zone (RECORDS records); 1 in 10 of each drifted. */
function resource(kind: 'route-table' | 'dns-zone', t: number, drifted: boolean): Resource {
  const id = String(t).padStart(8, '0');
  if (kind === 'route-table') {
    const routes = Array.from({ length: ROUTES }, (_, r) => ({ destination: `10.${t % 250}.${r}.0/24`, target: { type: 'transit' as const, id: `tgw-${r}` } }));
    if (drifted && t % 10 === 0) routes[1] = { destination: routes[1]?.destination ?? '', target: { type: 'transit', id: 'tgw-rogue' } };
    return { kind, id: `rtb-${id}`, region: REGIONS[t % REGIONS.length] ?? 'eu-west-1', network: `vpc-${t % 7}`, routes, subnets: [`subnet-${t}a`, `subnet-${t}b`] };
  }
  return {
    kind, id: `Z${id}`, region: 'global', name: `zone${t}.internal.`, private: true, networks: [`vpc-${t % 7}`],
    records: Array.from({ length: RECORDS }, (_, r) => ({ name: `h${r}.zone${t}.internal.`, type: 'A', ttl: 300, values: [drifted && r === 0 && t % 10 === 1 ? '203.0.113.9' : `10.0.${t % 250}.${r}`] })),
  };
}

/** Writes a candidate of `size` resources through the store's streaming writer (canonical order: zones, then tables). */
async function writeCandidate(store: FilesystemSnapshotStore, size: number, drifted: boolean, capturedAt: string): Promise<void> {
  const writer = store.writer(SCOPE, 'candidate', { schema: SNAPSHOT_SCHEMA, scope: SCOPE, capturedAt });
  const half = Math.round(size / 2);
  for (const kind of ['dns-zone', 'route-table'] as const) {
    for (let t = 0; t < half; t += 1) {
      const canonical = canonicalResource(resource(kind, t, drifted), { plain: true });
      await writer.add(canonical, compactJson(canonical));
    }
  }
  await store.commit(SCOPE, 'candidate', await writer.finish());
}

interface ChildRun {
  seconds: number;
  rssMiB: number;
  code: number | null;
  stdoutBytes: number;
  stderr: string;
}

/** Runs `node ARGS` under /usr/bin/time: wall time and peak RSS of that process alone. */
function runMeasured(args: string[]): ChildRun {
  const start = process.hrtime.bigint();
  const child = spawnSync('/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, ...args], { cwd: ROOT, maxBuffer: 1 << 30, env: { ...process.env } });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const stderr = child.stderr.toString();
  const rss = Number(/maxrss_kb=(\d+)/.exec(stderr)?.[1] ?? NaN) / 1024;
  return { seconds, rssMiB: rss, code: child.status, stdoutBytes: child.stdout.length, stderr: stderr.replace(/maxrss_kb=\d+\s*$/, '').trim() };
}

/** The reference: every part file of both folders through `JSON.parse`, then microdiff over the two arrays. */
const REFERENCE = `
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import diff from 'microdiff';
const read = (folder) => {
  const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));
  return manifest.parts.flatMap((part) => JSON.parse(readFileSync(join(folder, part.file), 'utf8')));
};
const [baseline, candidate] = process.argv.slice(1);
const changes = diff(read(baseline), read(candidate)).length;
process.stdout.write(String(changes));
`;

function du(path: string): string {
  try {
    return execFileSync('du', ['-sh', path]).toString().split('\t')[0] ?? '?';
  } catch {
    return '?';
  }
}

export async function bigSnapshotsReport(): Promise<string[]> {
  if (!existsSync('/usr/bin/time')) return ['skipped: /usr/bin/time is needed to read a child process peak RSS'];
  if (!existsSync(CLI)) return [`skipped: ${CLI} is not built (node build.mjs)`];
  const reference = new Set(sizes('BENCH_BIG_REFERENCE', '100000'));
  const lines = [`resources: half route tables (${ROUTES} routes, 4 regions), half private zones (${RECORDS} records); 1 in 10 drifted; folder layout (one part per region)`];
  for (const size of sizes('BENCH_BIG_SIZES', '100000,1000000')) {
    const dir = await mkdtemp(join(tmpdir(), 'netdrift-big-'));
    try {
      const store = new FilesystemSnapshotStore(dir);
      const writeStart = process.hrtime.bigint();
      await writeCandidate(store, size, false, '2026-11-26T00:00:00Z');
      const writeSeconds = Number(process.hrtime.bigint() - writeStart) / 1e9;
      const candidateSize = du(join(dir, 'aws', SCOPE.account + '.candidate'));
      const approve = runMeasured([CLI, 'snapshot', 'approve', '--cloud', 'aws', '--account', SCOPE.account, '--baseline', dir, '--by', 'bench']);
      if (approve.code !== 0) return [...lines, `${size}: approve failed (${approve.code}): ${approve.stderr}`];
      await writeCandidate(store, size, true, '2026-11-27T00:00:00Z');
      const args = [CLI, 'snapshot', 'diff', '--cloud', 'aws', '--account', SCOPE.account, '--baseline', dir, '--format', 'json'];
      const diffRun = runMeasured(args);
      if (diffRun.code !== 0) return [...lines, `${size}: diff failed (${diffRun.code}): ${diffRun.stderr}`];
      lines.push(`${String(size).padStart(8)} resources (${candidateSize} per snapshot): write (in process) ${writeSeconds.toFixed(1)} s; `
        + `approve ${approve.seconds.toFixed(1)} s, peak RSS ${approve.rssMiB.toFixed(0)} MiB (goal ≤ 1536); `
        + `diff ${diffRun.seconds.toFixed(1)} s, peak RSS ${diffRun.rssMiB.toFixed(0)} MiB (${(diffRun.stdoutBytes / 1e6).toFixed(1)} MB of findings)`);
      if (reference.has(size)) {
        const folder = (slot: string) => join(dir, 'aws', SCOPE.account + slot);
        const theirs = runMeasured(['--input-type=module', '-e', REFERENCE, folder(''), folder('.candidate')]);
        if (theirs.code !== 0) return [...lines, `${size}: reference failed (${theirs.code}): ${theirs.stderr}`];
        lines.push(`${String(size).padStart(8)} resources: \`snapshot diff\` ${diffRun.seconds.toFixed(1)} s / ${diffRun.rssMiB.toFixed(0)} MiB vs JSON.parse + microdiff `
          + `${theirs.seconds.toFixed(1)} s / ${theirs.rssMiB.toFixed(0)} MiB → ${(diffRun.seconds / theirs.seconds).toFixed(2)}x its time (goal ≤ 1.0x, RSS ≤ 1024 MiB)`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return lines;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  for (const line of await bigSnapshotsReport()) console.log(line);
}
