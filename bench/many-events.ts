import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { allAdapters } from '../adapters/index.js';
import { Pipeline } from '../core/pipeline.js';
import type { Resource } from '../core/resource.js';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../core/snapshot.js';
import type { StateStore } from '../core/ports.js';
import { SqliteStateStore } from '../adapters/local/sqlite-state-store.js';
import { MemorySnapshotStore, MemoryStateStore } from './memory-stores.js';

/**
 * Many events on one resource: each CreateRoute adds a route to the same route table, so every
 * event leaves one more finding open on it. The time per event at 100 events against the time
 * per event at 1,000, in one run: the goal is within 1.5×.
 */
const ACCOUNT = '111122223333';
const TABLE = 'rtb-busy';

function baseline(): Snapshot {
  const resources: Resource[] = [{
    kind: 'route-table', id: TABLE, region: 'eu-west-1', network: 'vpc-01', subnets: ['subnet-01'],
    routes: [{ destination: '10.0.0.0/16', target: { type: 'local' } }],
  }];
  return { schema: SNAPSHOT_SCHEMA, scope: { cloud: 'aws', account: ACCOUNT }, capturedAt: '2026-11-26T00:00:00Z', resources };
}

function event(i: number, table = TABLE): unknown {
  return {
    version: '0', id: `eb-${i}`, 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2', account: ACCOUNT,
    time: '2026-11-26T10:00:00Z', region: 'eu-west-1', resources: [],
    detail: {
      eventVersion: '1.08', userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Ops/bob`, accountId: ACCOUNT },
      eventTime: new Date(Date.UTC(2026, 10, 26, 10, 0, 0, i)).toISOString(), eventSource: 'ec2.amazonaws.com', eventName: 'CreateRoute',
      awsRegion: 'eu-west-1', sourceIPAddress: '198.51.100.7', userAgent: 'terraform/1.9.0',
      requestParameters: { routeTableId: table, destinationCidrBlock: `10.${1 + (i >> 8)}.${i & 255}.0/24`, transitGatewayId: 'tgw-01' },
      responseElements: { _return: true }, eventID: `many-${table}-${i}`, eventType: 'AwsApiCall', recipientAccountId: ACCOUNT,
    },
  };
}

/** `gc()`, where V8 lets a running process expose it (a bench run is not started with --expose-gc). */
const gc = ((): (() => void) | undefined => {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
})();

/** Where the pipeline keeps its state: in memory (the pipeline alone), or the embedded SQLite store (`:memory:`). */
export type BenchStore = 'memory' | 'sqlite';

function stateStore(store: BenchStore): StateStore {
  return store === 'sqlite' ? new SqliteStateStore(':memory:') : new MemoryStateStore();
}

/** Handles `count` events on one table in a fresh pipeline; returns ms per event and findings open at the end. */
export async function eventsOnOneResource(count: number, store: BenchStore = 'memory'): Promise<{ msPerEvent: number; cpuMsPerEvent: number; open: number }> {
  const snapshots = new MemorySnapshotStore();
  await snapshots.put({ cloud: 'aws', account: ACCOUNT }, 'baseline', baseline());
  const state = stateStore(store);
  const pipeline = new Pipeline({ adapters: allAdapters, snapshots, state, route: () => ['console'], baselineTtlMs: Infinity });
  const events = Array.from({ length: count }, (_, i) => event(i));
  // What every run pays once (the baseline loaded and indexed) is paid before the clock starts, on another
  // table; and no run pays for the garbage of the one before it.
  await pipeline.handle(event(0, 'rtb-other'));
  gc?.();
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (const e of events) await pipeline.handle(e);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  const open = (await state.openFindings({ cloud: 'aws', account: ACCOUNT }, 'route-table', TABLE)).length;
  await state.close();
  return { msPerEvent: ms / count, cpuMsPerEvent: (used.user + used.system) / 1000 / count, open };
}

/** Runs per size (`BENCH_MANY_EVENTS_RUNS`): one run of 100 events is short enough for a GC pause or a JIT tier to sway it. */
const RUNS = Number(process.env.BENCH_MANY_EVENTS_RUNS ?? 3);

type Run = Awaited<ReturnType<typeof eventsOnOneResource>>;

/** The run with the median CPU time. */
function median(runs: Run[]): Run {
  const sorted = [...runs].sort((a, b) => a.cpuMsPerEvent - b.cpuMsPerEvent);
  return sorted[Math.floor(sorted.length / 2)] as Run;
}

/** The lines for one store: µs per event at the small and the large size (each the median of `RUNS`), and their ratio. */
async function report(store: BenchStore, small: number, large: number): Promise<string[]> {
  // Warm-up, so that neither size is measured while the JIT is still compiling; then the sizes take turns.
  for (let i = 0; i < 3; i += 1) await eventsOnOneResource(small, store);
  const runs: { few: Run[]; many: Run[] } = { few: [], many: [] };
  for (let i = 0; i < Math.max(RUNS, 1); i += 1) {
    runs.few.push(await eventsOnOneResource(small, store));
    runs.many.push(await eventsOnOneResource(large, store));
  }
  const few = median(runs.few);
  const many = median(runs.many);
  const us = (ms: number) => (ms * 1000).toFixed(0);
  const line = (n: number, r: typeof few) =>
    `${store}: ${String(n).padStart(5)} events on one route table: ${us(r.cpuMsPerEvent)} µs CPU/event, ${us(r.msPerEvent)} µs wall/event (${r.open} findings open at the end)`;
  return [
    line(small, few),
    line(large, many),
    `${store}: ratio ${(many.cpuMsPerEvent / few.cpuMsPerEvent).toFixed(2)}x the CPU time per event at ${small} (wall ${(many.msPerEvent / few.msPerEvent).toFixed(2)}x; goal ≤ 1.5x)`,
  ];
}

/**
 * Bench lines: µs per event at 100 and 1,000 (`BENCH_MANY_EVENTS`) events on one route table, and
 * their ratio, with the in-memory stores (the pipeline alone) and the embedded SQLite store
 * (`BENCH_MANY_EVENTS_SQLITE=0` leaves it out). The ratio is taken on CPU time (wall time is
 * printed too): on a loaded machine wall time mostly measures the wait for a core.
 */
export async function manyEventsReport(): Promise<string[]> {
  const large = Number(process.env.BENCH_MANY_EVENTS ?? 1000);
  const lines = await report('memory', 100, large);
  if (process.env.BENCH_MANY_EVENTS_SQLITE !== '0') lines.push(...await report('sqlite', 100, large));
  return lines;
}
