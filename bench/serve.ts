import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Resource } from '../core/resource.js';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../core/snapshot.js';
import { canonicalJson, snapshotSha256 } from '../snapshots/canonical.js';

/**
 * `serve` under load (issue 12): the BUILT CLI (`dist/cli/netdrift.js serve`) on a loopback port,
 * with a generated approved baseline and a SQLite state file in a temp folder, takes N EventBridge
 * deliveries over keep-alive HTTP (a few at a time), against a bare node:http server that parses
 * each body and dedupes by event id, measured in the same run. Memory is the child's RSS
 * (/proc/<pid>/status): what the baseline costs once loaded (against a serve with no baseline),
 * as a multiple of its file size, and what the events add after that.
 */
const ACCOUNT = '111122223333';
const SELF = fileURLToPath(import.meta.url);
const BIN = fileURLToPath(new URL('../dist/cli/netdrift.js', import.meta.url));
const CONCURRENCY = 4;
/** Route tables in the baseline; beside each, a subnet, and every tenth a private DNS zone of 20 records. */
const TABLES = Number(process.env.BENCH_SERVE_TABLES ?? 30_000);
/** Route tables the events touch (each flips a default route between an internet and a NAT gateway). */
const TOUCHED = 2_000;
const MIB = 1024 * 1024;

export function baselineSnapshot(): Snapshot {
  const resources: Resource[] = [];
  for (let t = 0; t < TABLES; t += 1) {
    const vpc = `vpc-${(t % 500).toString(16).padStart(8, '0')}`;
    resources.push({
      kind: 'route-table', id: `rtb-${t.toString(16).padStart(17, '0')}`, region: 'eu-west-1', network: vpc,
      subnets: [`subnet-${t.toString(16).padStart(17, '0')}`],
      routes: [
        { destination: '10.0.0.0/16', target: { type: 'local' } },
        { destination: '0.0.0.0/0', target: { type: 'nat', id: `nat-${(t % 500).toString(16).padStart(17, '0')}` } },
        { destination: 'pl-6ea54007', target: { type: 'private-endpoint', id: `vpce-${(t % 500).toString(16).padStart(17, '0')}` } },
        { destination: `172.${16 + (t % 16)}.0.0/16`, target: { type: 'peering', id: `pcx-${(t % 97).toString(16).padStart(17, '0')}` } },
      ],
    });
    resources.push({ kind: 'subnet', id: `subnet-${t.toString(16).padStart(17, '0')}`, region: 'eu-west-1', network: vpc, privateAccess: true });
    if (t % 10 === 0) {
      resources.push({
        kind: 'dns-zone', id: `Z${t.toString(36).toUpperCase().padStart(20, '0')}`, region: 'global', name: `svc${t}.internal.example.com`,
        private: true, networks: [vpc],
        records: Array.from({ length: 20 }, (_, r) => ({ name: `host${r}.svc${t}.internal.example.com`, type: 'A', ttl: 300, values: [`10.${t % 250}.${r}.${t % 200}`] })),
      });
    }
  }
  const snapshot: Snapshot = { schema: SNAPSHOT_SCHEMA, scope: { cloud: 'aws', account: ACCOUNT }, capturedAt: '2026-11-25T00:00:00Z', resources };
  // Approved as `snapshot approve` records it, so each load runs the trust check too (DESIGN.md, "Trust").
  return { ...snapshot, approval: { sha256: snapshotSha256(snapshot), approvedAt: '2026-11-25T01:00:00Z', approvedBy: 'bench' } };
}

export function event(run: string, i: number): string {
  const t = (i * 7919) % TOUCHED;
  const table = `rtb-${t.toString(16).padStart(17, '0')}`;
  const target = Math.floor(i / TOUCHED) % 2 === 0 ? { gatewayId: 'igw-0bench' } : { natGatewayId: `nat-${(t % 500).toString(16).padStart(17, '0')}` };
  const id = `${run}-${String(i).padStart(12, '0')}`;
  return JSON.stringify({
    version: '0', id: `eb-${id}`, 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2', account: ACCOUNT,
    time: '2026-11-26T10:00:00Z', region: 'eu-west-1', resources: [],
    detail: {
      eventVersion: '1.08', userIdentity: { type: 'AssumedRole', principalId: 'AROAEXAMPLE:bob', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Ops/bob`, accountId: ACCOUNT },
      eventTime: new Date(Date.UTC(2026, 10, 26, 10) + i * 10).toISOString(), eventSource: 'ec2.amazonaws.com', eventName: 'ReplaceRoute',
      awsRegion: 'eu-west-1', sourceIPAddress: '198.51.100.7', userAgent: 'terraform/1.9.0',
      requestParameters: { routeTableId: table, destinationCidrBlock: '0.0.0.0/0', ...target }, responseElements: { _return: true },
      requestID: `req-${id}`, eventID: `0e6f7a10-${id}`, readOnly: false, eventType: 'AwsApiCall', managementEvent: true,
      recipientAccountId: ACCOUNT, eventCategory: 'Management',
    },
  });
}

/** The JS heap of a running serve (its `GET /metrics`), MiB in use and committed. */
async function heapMiB(base: string): Promise<{ used: number; total: number }> {
  const metrics = (await (await fetch(`${base}/metrics`)).json()) as { memory?: { heapUsed?: number; heapTotal?: number } };
  return { used: (metrics.memory?.heapUsed ?? Number.NaN) / MIB, total: (metrics.memory?.heapTotal ?? Number.NaN) / MIB };
}

/** Resident set of a process, from the kernel. */
export function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

/** A child that prints `listening on http://HOST:PORT` (serve: on stderr) once it takes requests. */
export function startChild(args: string[], ready: RegExp): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', METADATA_SERVER_DETECTION: 'none' } });
  let out = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`not ready after 30 s: ${out}`)), 30_000);
    const look = (chunk: Buffer) => {
      if (out.length < 64 * 1024) out += chunk.toString();
      const match = ready.exec(out);
      if (match) { clearTimeout(timer); done({ child, base: match[1] ?? '' }); }
    };
    // Both streams are read to the end: a full pipe would stall the child.
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`exited ${code}: ${out}`)); });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Posts the bodies to `url`, CONCURRENCY at a time over keep-alive connections; wall ms. */
export async function post(url: string, bodies: readonly string[]): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const target = new URL(url);
  let next = 0;
  const one = (body: string) => new Promise<void>((done, fail) => {
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 202 ? done() : fail(new Error(`${url}: ${res.statusCode}`))));
    });
    req.on('error', fail);
    req.end(body);
  });
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < bodies.length) await one(bodies[next++]!);
  }));
  agent.destroy();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The reference: a node:http server that reads each body, parses it and dedupes by event id. Runs in its own process. */
function bareServer(): void {
  const seen = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { detail?: { eventID?: string } };
      const id = body.detail?.eventID ?? '';
      const duplicate = seen.has(id);
      seen.add(id);
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ records: [{ status: duplicate ? 'duplicate' : 'applied', eventId: id }] }));
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
  process.once('SIGTERM', () => server.close());
}

/**
 * In a child with --expose-gc: the live JS heap a loaded baseline holds (through the store and the
 * cache serve's pipeline uses), after full collections, so the load's garbage is not counted. Prints MiB.
 */
async function heldChild(folder: string): Promise<void> {
  const { BaselineCache } = await import('../core/baseline-cache.js');
  const { FilesystemSnapshotStore } = await import('../snapshots/fs-store.js');
  const { baselineApprovalCheck } = await import('../snapshots/approval.js');
  const gc = (globalThis as { gc?: () => void }).gc!;
  const live = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
  const cache = new BaselineCache(new FilesystemSnapshotStore(folder), 60_000, () => Date.now(), baselineApprovalCheck());
  const before = live();
  const baseline = await cache.get({ cloud: 'aws', account: ACCOUNT });
  const held = live() - before;
  process.stdout.write(`${(held / MIB).toFixed(1)} ${baseline?.snapshot.resources.length ?? 0}\n`);
}

function heldMiB(folder: string): number {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', SELF, 'held-child', folder], { encoding: 'utf8' });
  return Number(out.trim().split('\n').at(-1)?.split(' ')[0]);
}

const SERVE_READY = /serving on (http:\/\/[\d.]+:\d+)/;

/** A fresh `serve` on `baselines` with a new state file; one delivery first, so the baseline is loaded however serve loads it. */
async function startServe(dir: string, baselines: string, run: string): Promise<{ child: ChildProcess; base: string }> {
  const state = join(dir, `state-${run}.sqlite`);
  const started = await startChild([BIN, 'serve', '--port', '0', '--baseline', baselines, '--state', state, '--config', join(dir, 'netdrift.json')], SERVE_READY);
  await post(`${started.base}/aws/events`, [event(`${run}-warm`, 0)]);
  return started;
}

export async function serveReport(sizes: readonly number[] = (process.env.BENCH_SERVE_EVENTS ?? '10000,50000').split(',').map(Number)): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'netdrift-bench-serve-'));
  const lines: string[] = [];
  try {
    mkdirSync(join(dir, 'baselines/aws'), { recursive: true });
    mkdirSync(join(dir, 'empty'));
    const file = join(dir, `baselines/aws/${ACCOUNT}.json`);
    const snapshot = baselineSnapshot();
    writeFileSync(file, canonicalJson(snapshot));
    // Alerts go through the outbox to a console sink (stdout, read and dropped here): the whole path of a finding.
    writeFileSync(join(dir, 'netdrift.json'), JSON.stringify({ sinks: { console: {} } }));
    const fileMiB = statSync(file).size / MIB;

    const empty = await startServe(dir, join(dir, 'empty'), 'empty');
    const idle = rssMiB(empty.child.pid!);
    await stop(empty.child);
    lines.push(`baseline: ${snapshot.resources.length.toLocaleString('en-US')} resources, ${fileMiB.toFixed(1)} MiB file; serve with no baseline: RSS ${idle.toFixed(0)} MiB`);
    const held = heldMiB(join(dir, 'baselines'));
    lines.push(`  live JS heap held by the loaded baseline (store + cache, after full GCs, own process): ${held.toFixed(1)} MiB = ${(held / fileMiB).toFixed(2)}x the file (goal ≤ 2x)`);

    for (const size of sizes) {
      const bodies = Array.from({ length: size }, (_, i) => event(`n${size}`, i + 1));
      const bare = await startChild(['--import', 'tsx', SELF, 'bare-server'], /listening on (http:\/\/[\d.]+:\d+)/);
      const bareIdle = rssMiB(bare.child.pid!);
      const bareMs = await post(bare.base, bodies);
      const bareRss = rssMiB(bare.child.pid!);
      await stop(bare.child);

      const serve = await startServe(dir, join(dir, 'baselines'), `n${size}`);
      const loaded = rssMiB(serve.child.pid!);
      const heapLoaded = await heapMiB(serve.base);
      const serveMs = await post(`${serve.base}/aws/events`, bodies);
      const after = rssMiB(serve.child.pid!);
      const heapAfter = await heapMiB(serve.base);
      await stop(serve.child);

      const rate = (ms: number) => Math.round(size / (ms / 1000)).toLocaleString('en-US');
      const held = loaded - idle;
      lines.push(`${size.toLocaleString('en-US')} events (${CONCURRENCY} concurrent, keep-alive): serve ${rate(serveMs)}/s vs bare parse + dedupe server ${rate(bareMs)}/s `
        + `(${(bareMs / serveMs).toFixed(2)}x its speed)`);
      lines.push(`  serve RSS: ${loaded.toFixed(0)} MiB with the baseline loaded (${held.toFixed(0)} MiB over no baseline = ${(held / fileMiB).toFixed(2)}x the file; goal ≤ 2x), `
        + `${after.toFixed(0)} MiB after the events (grew ${(after - loaded).toFixed(1)} MiB; goal ≤ 20); bare server ${bareIdle.toFixed(0)} → ${bareRss.toFixed(0)} MiB`);
      // Where the growth is: the JS heap V8 keeps (committed), or outside it (SQLite's page cache, malloc, code).
      const outside = (rss: number, heap: { total: number }) => rss - heap.total;
      lines.push(`  serve JS heap: ${heapLoaded.used.toFixed(0)} → ${heapAfter.used.toFixed(0)} MiB in use (uncollected garbage included), `
        + `${heapLoaded.total.toFixed(0)} → ${heapAfter.total.toFixed(0)} MiB committed; RSS outside the JS heap ${outside(loaded, heapLoaded).toFixed(0)} → ${outside(after, heapAfter).toFixed(0)} MiB`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}

if (process.argv[2] === 'bare-server') bareServer();
else if (process.argv[2] === 'held-child') await heldChild(process.argv[3] ?? '');
else if (process.argv[1] === SELF) for (const line of await serveReport()) console.log(line);
