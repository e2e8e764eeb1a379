import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { awsCatalog } from '../adapters/aws/catalog.js';
import { listInputFiles } from '../cli/inputs.js';

/**
 * Archive replay (issue 12): `netdrift replay` over gzip'd CloudTrail log files in the AWSLogs
 * layout, 0.5% of the records watched, against a floor that gunzips each file whole, `JSON.parse`s it
 * and keeps the records whose eventSource/eventName the catalog watches. Each side runs in its own
 * process (timed inside it, after imports; peak RSS from the kernel), at two sizes (BENCH_ARCHIVE_SIZES,
 * default 50000,200000) to show the cost is linear and the memory flat. Then the built CLI on one
 * plain log file of BENCH_ARCHIVE_SINGLE events (default 100000, about 95 MB; 0 leaves it out): issue 12's
 * "one 95 MB log file of 100k events", time and peak RSS.
 */
const ACCOUNT = '111122223333';
const PER_FILE = 10_000;
const SELF = fileURLToPath(import.meta.url);

function record(i: number, tls = false): Record<string, unknown> {
  const watched = i % 200 === 0;
  const noise = [['ec2.amazonaws.com', 'DescribeInstances'], ['sts.amazonaws.com', 'AssumeRole'], ['s3.amazonaws.com', 'GetObject']][i % 3]!;
  const target = Math.floor(i / 200) % 2 === 0 ? { gatewayId: 'igw-0abc' } : { natGatewayId: 'nat-0abc' };
  return {
    eventVersion: '1.08',
    userIdentity: { type: 'AssumedRole', principalId: 'AROAEXAMPLE:bob', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Ops/bob`, accountId: ACCOUNT,
      sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${ACCOUNT}:role/Ops`, accountId: ACCOUNT }, attributes: { creationDate: '2026-11-26T00:00:00Z', mfaAuthenticated: 'false' } } },
    eventTime: new Date(Date.UTC(2026, 10, 26) + i * 100).toISOString(),
    eventSource: watched ? 'ec2.amazonaws.com' : noise[0], eventName: watched ? 'ReplaceRoute' : noise[1], awsRegion: 'eu-west-1',
    sourceIPAddress: '198.51.100.7', userAgent: 'aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 api/ec2#1.173.0',
    requestParameters: watched ? { routeTableId: 'rtb-01', destinationCidrBlock: '0.0.0.0/0', ...target } : { bucketName: 'logs', key: `k/${i}.json` },
    responseElements: watched ? { _return: true } : null, requestID: `req-${i}`, eventID: `bench-archive-${i}`,
    readOnly: !watched, eventType: 'AwsApiCall', managementEvent: true, recipientAccountId: ACCOUNT, eventCategory: 'Management',
    ...(tls ? { tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: noise[0] } } : {}),
  };
}

function baselineFolder(dir: string): void {
  mkdirSync(join(dir, 'baselines/aws'), { recursive: true });
  writeFileSync(join(dir, `baselines/aws/${ACCOUNT}.json`), JSON.stringify({
    schema: 'netdrift/snapshot@1', scope: { cloud: 'aws', account: ACCOUNT }, capturedAt: '2026-11-25T00:00:00Z',
    resources: [{ kind: 'route-table', id: 'rtb-01', region: 'eu-west-1', network: 'vpc-01', subnets: [],
      routes: [{ destination: '10.0.0.0/16', target: { type: 'local' } }, { destination: '0.0.0.0/0', target: { type: 'nat', id: 'nat-0abc' } }] }],
  }));
}

/** A temp folder: `baselines/` and `AWSLogs/…` with `records` records in gzip'd log files of 10k each. */
export function archive(records: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'netdrift-bench-archive-'));
  baselineFolder(dir);
  const day = join(dir, `AWSLogs/${ACCOUNT}/CloudTrail/eu-west-1/2026/11/26`);
  mkdirSync(day, { recursive: true });
  for (let start = 0; start < records; start += PER_FILE) {
    const body = Array.from({ length: Math.min(PER_FILE, records - start) }, (_, k) => record(start + k));
    writeFileSync(join(day, `${ACCOUNT}_CloudTrail_eu-west-1_20261126T${String(start / PER_FILE).padStart(4, '0')}Z.json.gz`), gzipSync(JSON.stringify({ Records: body })));
  }
  return dir;
}

/** In a child process: one side of the comparison, timed after imports; prints `ms maxRssMb detail`. */
async function child(side: string, dir: string): Promise<void> {
  const { replayCommand } = await import('../cli/commands/replay.js');
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let detail: string;
  if (side === 'floor') {
    const watched = new Set(awsCatalog.map((row) => `${row.source} ${row.name}`));
    const { files } = await listInputFiles([join(dir, 'AWSLogs')]);
    let kept = 0;
    for (const file of files) {
      const doc = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { Records: { eventSource: string; eventName: string }[] };
      for (const r of doc.Records) if (watched.has(`${r.eventSource} ${r.eventName}`)) kept += 1;
    }
    detail = `${kept} watched`;
  } else {
    let out = '';
    const stdout = new Writable({ write(chunk: Buffer, _encoding, done) { out += chunk.toString(); done(); } });
    const io = { stdout, stderr: process.stderr, env: {}, cwd: dir };
    await replayCommand(['--baseline', join(dir, 'baselines'), join(dir, 'AWSLogs')], io);
    detail = out.trim().split('\n').at(-1) ?? '';
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const cpu = process.cpuUsage(cpuStart);
  process.stdout.write(`${ms.toFixed(0)} ${((cpu.user + cpu.system) / 1000).toFixed(0)} ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} ${detail}\n`);
}

/**
 * Best times and highest peak RSS of two runs in fresh processes. CPU time (the process's, gunzip's
 * threads included) is what the ratio uses: wall time swings with whatever else shares the machine.
 */
function measure(side: string, dir: string): { ms: number; cpuMs: number; rss: number; detail: string } {
  const runs = [0, 1].map(() => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', SELF, 'archive-child', side, dir], { encoding: 'utf8' }).trim().split('\n').at(-1) ?? '';
    const [ms = '0', cpuMs = '0', rss = '0', ...rest] = out.split(' ');
    return { ms: Number(ms), cpuMs: Number(cpuMs), rss: Number(rss), detail: rest.join(' ') };
  });
  return {
    ms: Math.min(...runs.map((r) => r.ms)), cpuMs: Math.min(...runs.map((r) => r.cpuMs)),
    rss: Math.max(...runs.map((r) => r.rss)), detail: runs[0]!.detail,
  };
}

/** The built CLI end to end, as a user runs it: wall ms (startup included) and peak RSS per GNU time, if present. */
function cliRun(dir: string, input = 'AWSLogs'): { ms: number; rss: number | undefined } {
  const bin = fileURLToPath(new URL('../dist/cli/netdrift.js', import.meta.url));
  const args = [process.execPath, bin, 'replay', '--baseline', join(dir, 'baselines'), join(dir, input)];
  const start = Date.now();
  if (!existsSync('/usr/bin/time')) {
    execFileSync(args[0]!, args.slice(1));
    return { ms: Date.now() - start, rss: undefined };
  }
  const result = spawnSync('/usr/bin/time', ['-f', 'maxrss=%M', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const kb = Number(/maxrss=(\d+)/.exec(result.stderr)?.[1]);
  return { ms: Date.now() - start, rss: Number.isFinite(kb) ? Math.round(kb / 1024) : undefined };
}

/** A temp folder: `baselines/` and one plain log file `trail.json` of `records` records, written a batch at a time. */
function singleFile(records: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'netdrift-bench-single-'));
  baselineFolder(dir);
  const fd = openSync(join(dir, 'trail.json'), 'w');
  try {
    writeSync(fd, '{"Records":[');
    for (let start = 0; start < records; start += 1000) {
      const batch = Array.from({ length: Math.min(1000, records - start) }, (_, k) => JSON.stringify(record(start + k, true)));
      writeSync(fd, `${start > 0 ? ',' : ''}${batch.join(',')}`);
    }
    writeSync(fd, ']}');
  } finally {
    closeSync(fd);
  }
  return dir;
}

/** The built CLI on one large plain log file: wall time and peak RSS. */
function singleFileLines(records: number): string[] {
  const dir = singleFile(records);
  try {
    const mb = statSync(join(dir, 'trail.json')).size / 1e6;
    const cli = cliRun(dir, 'trail.json');
    return [`one ${mb.toFixed(0)} MB log file of ${records.toLocaleString('en-US')} events (plain JSON, 0.5% watched): built CLI ${cli.ms} ms wall `
      + `(goal < 10,000), peak RSS ${cli.rss ?? '?'} MB (goal ≤ 256)`];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sizesFrom = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').map(Number).filter((n) => n > 0);

/** The report lines: the archive at each size, then the single file. */
export function archiveReplayReport(
  sizes: readonly number[] = sizesFrom('BENCH_ARCHIVE_SIZES', '50000,200000'), single = Number(process.env.BENCH_ARCHIVE_SINGLE ?? 100_000),
): string[] {
  const lines: string[] = [];
  for (const size of sizes) {
    const dir = archive(size);
    try {
      const floor = measure('floor', dir);
      const replay = measure('replay', dir);
      const cli = cliRun(dir);
      const rate = (ms: number) => Math.round(size / (ms / 1000)).toLocaleString('en-US');
      lines.push(`${size.toLocaleString('en-US')} records (${Math.ceil(size / PER_FILE)} gzip files, 0.5% watched): ${replay.detail}`);
      lines.push(`  replay ${rate(replay.cpuMs)}/s of CPU (${replay.cpuMs} ms CPU, ${replay.ms.toFixed(0)} ms wall) vs gunzip + JSON.parse + filter floor `
        + `${rate(floor.cpuMs)}/s (${floor.cpuMs} ms CPU, ${floor.ms.toFixed(0)} ms wall): ${(floor.cpuMs / replay.cpuMs).toFixed(2)}x the floor's speed (goal ≥ 0.8x)`);
      lines.push(`  built CLI end to end: ${cli.ms} ms wall, peak RSS ${cli.rss ?? '?'} MB (goal ≤ 256); floor peak RSS ${floor.rss} MB`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (single > 0) lines.push(...singleFileLines(single));
  return lines;
}

if (process.argv[2] === 'archive-child') await child(process.argv[3] ?? '', process.argv[4] ?? '');
else if (process.argv[1] === SELF) for (const line of archiveReplayReport()) console.log(line);
