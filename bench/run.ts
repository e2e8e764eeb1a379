import { allAdapters } from '../adapters/index.js';
import { Pipeline } from '../core/pipeline.js';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../core/snapshot.js';
import type { Resource } from '../core/resource.js';
import { archiveReplayReport } from './archive-replay.js';
import { coldStartReport } from './cold-start.js';
import { lambdaBundleReport } from './lambda-bundles.js';
import { snapshotDiffReport } from './snapshot-diff.js';
import { manyEventsReport } from './many-events.js';
import { MemorySnapshotStore, MemoryStateStore } from './memory-stores.js';

/**
 * `npm run bench`: events per second of the pipeline (parse, dedupe, diff, transitions, commit;
 * in-memory stores, baseline cached) against a bare JSON.parse of the same events, in one run.
 */
const ACCOUNT = '111122223333';
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const TABLES = 200;

function baseline(): Snapshot {
  const resources: Resource[] = [];
  for (let t = 0; t < TABLES; t += 1) {
    resources.push({
      kind: 'route-table', id: `rtb-${t}`, region: 'eu-west-1', network: 'vpc-01', subnets: [`subnet-${t}`],
      routes: [{ destination: '10.0.0.0/16', target: { type: 'local' } }, { destination: '0.0.0.0/0', target: { type: 'nat', id: 'nat-01' } }],
    });
  }
  return { schema: SNAPSHOT_SCHEMA, scope: { cloud: 'aws', account: ACCOUNT }, capturedAt: '2026-11-26T00:00:00Z', resources };
}

function event(i: number): string {
  const table = `rtb-${i % TABLES}`;
  const target = Math.floor(i / TABLES) % 2 === 0 ? { gatewayId: 'igw-01' } : { natGatewayId: 'nat-01' };
  return JSON.stringify({
    version: '0', id: `eb-${i}`, 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2', account: ACCOUNT,
    time: '2026-11-26T10:00:00Z', region: 'eu-west-1', resources: [],
    detail: {
      eventVersion: '1.08', userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Ops/bob`, accountId: ACCOUNT },
      eventTime: new Date(Date.UTC(2026, 10, 26, 10, 0, i)).toISOString(), eventSource: 'ec2.amazonaws.com', eventName: 'ReplaceRoute',
      awsRegion: 'eu-west-1', sourceIPAddress: '198.51.100.7', userAgent: 'terraform/1.9.0',
      requestParameters: { routeTableId: table, destinationCidrBlock: '0.0.0.0/0', ...target }, responseElements: { _return: true },
      eventID: `bench-${i}`, eventType: 'AwsApiCall', recipientAccountId: ACCOUNT,
    },
  });
}

async function main(): Promise<void> {
  const texts = Array.from({ length: EVENTS }, (_, i) => event(i));
  let sink = 0;
  const parseStart = process.hrtime.bigint();
  for (const text of texts) sink += Object.keys(JSON.parse(text) as object).length;
  const parseNs = Number(process.hrtime.bigint() - parseStart);

  const snapshots = new MemorySnapshotStore();
  await snapshots.put({ cloud: 'aws', account: ACCOUNT }, 'baseline', baseline());
  const pipeline = new Pipeline({ adapters: allAdapters, snapshots, state: new MemoryStateStore(), route: () => ['console'], baselineTtlMs: Infinity });
  let findings = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  const runStart = process.hrtime.bigint();
  for (const text of texts) {
    const outcome = await pipeline.handle(JSON.parse(text));
    for (const r of outcome.records) findings += r.opened.length + r.resolved.length;
  }
  const runNs = Number(process.hrtime.bigint() - runStart);
  const heapAfter = process.memoryUsage().heapUsed;

  const rate = (ns: number) => EVENTS / (ns / 1e9);
  console.log(`events: ${EVENTS} ReplaceRoute events over ${TABLES} route tables (${findings} findings opened or resolved; checksum ${sink})`);
  console.log(`bare JSON.parse:  ${rate(parseNs).toFixed(0).padStart(10)} events/s`);
  console.log(`pipeline:         ${rate(runNs).toFixed(0).padStart(10)} events/s  (${(runNs / EVENTS / 1000).toFixed(1)} µs/event)`);
  console.log(`ratio:            ${(runNs / parseNs).toFixed(1)}x the cost of JSON.parse alone`);
  console.log(`heap growth:      ${((heapAfter - heapBefore) / 1024 / 1024).toFixed(1)} MiB over the run (state kept in memory)`);
  console.log('\nsnapshot diff against a general deep-diff library:');
  for (const line of snapshotDiffReport()) console.log(`  ${line}`);
  console.log(`\nbig snapshots: the built CLI's approve and diff in their own processes (peak RSS), diff vs JSON.parse + microdiff of the same files:\n  ${(await (await import('./big-snapshots.js')).bigSnapshotsReport()).join('\n  ')}`);
  console.log('\nmany events on one resource (each leaves one more finding open on it):');
  for (const line of await manyEventsReport()) console.log(`  ${line}`);
  console.log('\ncold start (bundle size; import + handler construction vs an empty node):');
  for (const line of coldStartReport(new URL('..', import.meta.url).pathname)) console.log(`  ${line}`);
  console.log('\nthe built events bundle on moto, invoked as Lambda does (fresh process, then warm):');
  for (const line of await lambdaBundleReport()) console.log(`  ${line}`);
  console.log('\narchive replay (gzip CloudTrail files, 0.5% watched) vs gunzip + JSON.parse + eventName filter, each in its own process:');
  for (const line of archiveReplayReport()) console.log(`  ${line}`);
  console.log(`\nserve (the built CLI on loopback, keep-alive deliveries) vs a bare parse + dedupe HTTP server; RSS from /proc:\n  ${(await (await import('./serve.js')).serveReport()).join('\n  ')}`);
}

await main();
