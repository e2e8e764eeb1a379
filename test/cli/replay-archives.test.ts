import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync, createGzip } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempTree } from '../support/cli.js';
import { ACCOUNT, baseline, cloudTrail, eventBridge } from './aws-events.js';

const BIN = join(ROOT, 'dist/cli/netdrift.js');
const DAY = `AWSLogs/${ACCOUNT}/CloudTrail/eu-west-1/2026/11/26`;
const fixture = (path: string): unknown => JSON.parse(readFileSync(join(ROOT, 'test/fixtures', path), 'utf8'));
const summary = (stdout: string) => stdout.trim().split('\n').at(-1);

const toIgw = (time: string) => cloudTrail('ReplaceRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0abc' }, { eventTime: time });
const toNat = (time: string) => cloudTrail('ReplaceRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: '0.0.0.0/0', natGatewayId: 'nat-0abc' }, { eventTime: time });
const unwatched = (name: string, source = 'ec2.amazonaws.com') => cloudTrail(name, { maxResults: 5 }, { eventSource: source, readOnly: true });
const logFile = (records: unknown[]) => gzipSync(JSON.stringify({ Records: records }));

async function put(dir: string, path: string, content: string | Buffer): Promise<void> {
  await mkdir(dirname(join(dir, path)), { recursive: true });
  await writeFile(join(dir, path), content);
}

/** Runs the built CLI under GNU time: its exit, output, peak RSS and CPU seconds as the kernel counted them. */
function timedCli(args: string[]): Promise<{ code: number; stdout: string; maxRssMb: number; cpuSeconds: number; wallSeconds: number }> {
  const started = Date.now();
  return new Promise((done) => {
    execFile('/usr/bin/time', ['-v', process.execPath, BIN, ...args], { env: { PATH: process.env.PATH ?? '' }, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const field = (name: string) => Number(new RegExp(`${name}: ([\\d.]+)`).exec(stderr)?.[1] ?? NaN);
      done({
        code: error ? Number(error.code) : 0, stdout, maxRssMb: field('Maximum resident set size \\(kbytes\\)') / 1024,
        cpuSeconds: field('User time \\(seconds\\)') + field('System time \\(seconds\\)'), wallSeconds: (Date.now() - started) / 1000,
      });
    });
  });
}

let dir = '';
afterEach(async () => { if (dir) await rm(dir, { recursive: true, force: true }); dir = ''; });

describe('netdrift replay: archives as clouds write them', () => {
  it('reads a gzip CloudTrail folder in the AWSLogs layout: the same findings as the events one by one, unwatched counted as ignored', async () => {
    const drift = toIgw('2026-11-26T12:00:00Z');
    const revert = toNat('2026-11-26T12:05:00Z');
    const noise = [unwatched('DescribeRouteTables'), unwatched('AssumeRole', 'sts.amazonaws.com'), unwatched('DescribeInstances'), unwatched('GetObject', 's3.amazonaws.com')];
    const events = [noise[0], drift, noise[1], noise[2], revert, noise[3]];
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline });
    await put(dir, `archive/${DAY}/${ACCOUNT}_CloudTrail_eu-west-1_20261126T1200Z_a1.json.gz`, logFile(events.slice(0, 3)));
    // gzip is told by its magic bytes, not by the name.
    await put(dir, `archive/${DAY}/${ACCOUNT}_CloudTrail_eu-west-1_20261126T1205Z_b2.json`, logFile(events.slice(3)));
    await put(dir, `archive/AWSLogs/${ACCOUNT}/CloudTrail-Digest/eu-west-1/2026/11/26/${ACCOUNT}_CloudTrail-Digest_eu-west-1_20261126T1300Z.json.gz`,
      gzipSync(JSON.stringify({ awsAccountId: ACCOUNT, digestStartTime: '2026-11-26T12:00:00Z', logFiles: [] })));
    for (const [i, event] of events.entries()) await put(dir, `plain/${i}.json`, JSON.stringify(eventBridge(event as Record<string, unknown>)));

    const archive = await runCli(['replay', '--baseline', join(dir, 'baselines'), join(dir, 'archive')]);
    const plain = await runCli(['replay', '--baseline', join(dir, 'baselines'), join(dir, 'plain')]);

    expect(archive.code).toBe(0);
    expect(archive.stderr).toBe('');
    expect(archive.stdout).toBe(plain.stdout);
    expect(summary(archive.stdout)).toBe('6 events: 1 findings opened, 1 resolved, 4 ignored (not watched), 0 ignored (failed calls), 0 duplicates, 0 stale, 0 rejected');
  });

  it('a corrupt gzip file is one line naming it; the other files are still processed', async () => {
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline });
    await put(dir, `archive/${DAY}/a.json.gz`, Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.from('not deflate at all, just text')]));
    await put(dir, `archive/${DAY}/b.json.gz`, logFile([unwatched('DescribeRouteTables'), toIgw('2026-11-26T12:00:00Z')]));

    const result = await runCli(['replay', '--baseline', join(dir, 'baselines'), join(dir, 'archive')]);

    expect(result.code).toBe(3);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^rejected .*a\.json\.gz: not a readable gzip file \(.+\)$/)]);
    expect(summary(result.stdout)).toBe('2 events: 1 findings opened, 0 resolved, 1 ignored (not watched), 0 ignored (failed calls), 0 duplicates, 0 stale, 1 rejected');
  });

  it('reads Azure Activity Log exports as diagnostic settings write them: PT1H.json, one record per line', async () => {
    const sub = 'c5a1f3d2-7b4e-4a09-8e61-2f9d0b7c4a13';
    const records = (fixture('azure/activitylog/diagnostic-records.json') as { records: Record<string, unknown>[] }).records;
    const vm = { ...structuredClone(records[1]!), operationName: 'MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE', correlationId: 'a1b2c3d4-0000-4000-8000-000000000001' };
    const all = [vm, ...records];
    const azureBaseline = {
      schema: 'netdrift/snapshot@1', scope: { cloud: 'azure', account: sub }, capturedAt: '2026-11-25T00:00:00Z',
      resources: [{ kind: 'route-table', id: `/subscriptions/${sub}/resourceGroups/rg-net/providers/Microsoft.Network/routeTables/rt-app`, region: 'westeurope', routes: [], subnets: [] }],
    };
    dir = await tempTree({ [`baselines/azure/${sub}.json`]: azureBaseline });
    const hour = `insights-activity-logs/resourceId=/SUBSCRIPTIONS/${sub.toUpperCase()}/y=2026/m=11/d=26/h=10/m=00`;
    await put(dir, `export/${hour}/PT1H.json`, all.map((r) => JSON.stringify(r)).join('\n') + '\n');
    for (const [i, record] of all.entries()) await put(dir, `plain/${i}.json`, JSON.stringify(record));

    const exported = await runCli(['replay', '--baseline', join(dir, 'baselines'), join(dir, 'export')]);
    const plain = await runCli(['replay', '--baseline', join(dir, 'baselines'), join(dir, 'plain')]);

    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe(plain.stdout);
    expect(exported.stdout).toContain('change.unverified');
    expect(summary(exported.stdout)).toBe('4 events: 1 findings opened, 0 resolved, 2 ignored (not watched), 1 ignored (failed calls), 0 duplicates, 0 stale, 0 rejected');
  });

  it('reads GCP Log Router exports to Cloud Storage: hourly files of one LogEntry per line, gzip or not', async () => {
    const insert = fixture('gcp/auditlog/compute.routes.insert.json') as { insertId: string; protoPayload: Record<string, unknown> };
    const vm = structuredClone(insert);
    vm.insertId = 'vm-insert-1';
    vm.protoPayload.methodName = 'v1.compute.instances.insert';
    const gcpBaseline = {
      schema: 'netdrift/snapshot@1', scope: { cloud: 'gcp', account: 'acme-net-prod' }, capturedAt: '2026-11-25T00:00:00Z',
      resources: [{ kind: 'route-table', id: 'projects/acme-net-prod/global/networks/prod-vpc', region: 'global', routes: [], subnets: [] }],
    };
    dir = await tempTree({ 'baselines/gcp/acme-net-prod.json': gcpBaseline });
    const day = 'bucket/cloudaudit.googleapis.com/activity/2026/11/26';
    await put(dir, `${day}/11:00:00_11:59:59_S0.json`, `${JSON.stringify(vm)}\n`);
    await put(dir, `${day}/12:00:00_12:59:59_S0.json`, gzipSync(`${JSON.stringify(vm)}\n${JSON.stringify(insert)}\n`));
    await put(dir, 'plain/0.json', JSON.stringify(vm));
    await put(dir, 'plain/1.json', JSON.stringify(vm));
    await put(dir, 'plain/2.json', JSON.stringify(insert));

    const exported = await runCli(['replay', '--baseline', join(dir, 'baselines'), join(dir, 'bucket')]);
    const plain = await runCli(['replay', '--baseline', join(dir, 'baselines'), join(dir, 'plain')]);

    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe(plain.stdout);
    expect(exported.stdout).toContain('route.default-added');
    expect(summary(exported.stdout)).toBe('3 events: 1 findings opened, 0 resolved, 2 ignored (not watched), 0 ignored (failed calls), 0 duplicates, 0 stale, 0 rejected');
  });

  it('streams a 100k-record gzip log file in well under 10 s of CPU, its memory bounded by a record, not the file', async () => {
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline });
    const file = join(dir, `${ACCOUNT}_CloudTrail_eu-west-1_20261126T1200Z_big.json.gz`);
    const gzip = createGzip({ level: 1 });
    const written = once(gzip.pipe(createWriteStream(file)), 'finish');
    gzip.write('{"Records":[');
    for (let i = 0; i < 100_000; i += 1) {
      const time = new Date(Date.UTC(2026, 10, 26, 0, 0, 0) + i * 1000).toISOString();
      const record = i % 200 === 0 ? (i % 400 === 0 ? toIgw(time) : toNat(time)) : unwatched(['DescribeInstances', 'GetObject'][i % 2]!, i % 2 ? 's3.amazonaws.com' : 'ec2.amazonaws.com');
      if (!gzip.write(`${i ? ',' : ''}${JSON.stringify(record)}`)) await once(gzip, 'drain');
    }
    gzip.end(']}');
    await written;

    await writeFile(join(dir, 'empty.json'), '{"Records": []}');
    expect(existsSync('/usr/bin/time')).toBe(true);
    const idle = await timedCli(['replay', '--baseline', join(dir, 'baselines'), join(dir, 'empty.json')]);
    const result = await timedCli(['replay', '--baseline', join(dir, 'baselines'), file]);

    expect(result.code).toBe(0);
    expect(summary(result.stdout)).toBe('100000 events: 250 findings opened, 250 resolved, 99500 ignored (not watched), 0 ignored (failed calls), 0 duplicates, 0 stale, 0 rejected');
    // CPU time, not wall time: the kernel's count does not grow when other tests share the machine.
    expect(result.cpuSeconds).toBeLessThan(10);
    // The file is about 70 MB of JSON: read whole it would add at least that (the old reader: 1.1 GB for 95 MB).
    // What the CLI holds before reading anything (~165 MB of code and clients) is not the archive's.
    expect(result.maxRssMb - idle.maxRssMb).toBeLessThan(128);
    console.info(`100k-record gzip replay: ${result.cpuSeconds.toFixed(2)} s CPU, ${result.wallSeconds.toFixed(2)} s wall, `
      + `peak RSS ${result.maxRssMb.toFixed(0)} MB (an empty replay: ${idle.maxRssMb.toFixed(0)} MB)`);
  }, 120_000);
});
