import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResourceGraphClient } from '@azure/arm-resourcegraph';
import { z } from 'zod';
import { ConfigError, NetdriftError, oneLine } from '../../core/errors.js';
import type { CaptureTarget } from '../../core/ports.js';
import type { Resource, ResourceKind, Scope } from '../../core/resource.js';
import { emptySnapshot, type Snapshot } from '../../core/snapshot.js';
import { ARM_ENDPOINT, CAPTURE_CONCURRENCY, mapLimited, retryAfterMs, type ArmClientOptions } from './arm-clients.js';
import { armCall } from './arm-errors.js';
import { AzureStateReader, byKindAndId, inRegions, type AzureStateReaderOptions } from './arm-state-reader.js';

/** The ARM types a capture asks Resource Graph for, and the kind each is read as (VNets: for their peerings). */
const GRAPH_TYPES: Readonly<Record<string, ResourceKind | 'network'>> = {
  'microsoft.network/routetables': 'route-table',
  'microsoft.network/natgateways': 'nat-gateway',
  'microsoft.network/privateendpoints': 'private-endpoint',
  'microsoft.network/privatednszones': 'dns-zone',
  'microsoft.network/dnsforwardingrulesets': 'dns-forwarding',
  'microsoft.network/dnsresolvers': 'dns-forwarding',
  'microsoft.network/virtualnetworks': 'network',
};

const types = Object.keys(GRAPH_TYPES).map((type) => `'${type}'`).join(', ');
/** Resource Graph's KQL: the ids of every watched resource, in a stable order so that pages do not shift. */
export const WATCHED_RESOURCES_QUERY = `resources | where type in~ (${types}) | project id, type, subscriptionId, location | order by id asc`;
/** The subscriptions in scope, so one with no watched resource still gets its (empty) snapshot. */
export const SUBSCRIPTIONS_QUERY = `resourcecontainers | where type =~ 'microsoft.resources/subscriptions' | project subscriptionId | order by subscriptionId asc`;

const Row = z.looseObject({ id: z.string().optional(), type: z.string().optional(), subscriptionId: z.string(), location: z.string().optional() });
const Page = z.looseObject({ data: z.array(Row), skipToken: z.string().optional().nullable() });
type GraphRow = z.infer<typeof Row>;

export interface GraphCaptureScope {
  /** Management group names (Resource Graph's `managementGroups`): every subscription under them. */
  managementGroups?: readonly string[];
  /** Subscription ids (Resource Graph's `subscriptions`). */
  subscriptions?: readonly string[];
}

export interface GraphCaptureResult {
  /** One snapshot per subscription, sorted by subscription id (none when `target` takes them). */
  snapshots: Snapshot[];
  /** Subscriptions whose resources could not all be read: no snapshot for them (a partial one would read as deletions). */
  failures: { subscription: string; error: string }[];
}

export interface GraphCaptureOptions extends AzureStateReaderOptions {
  /** Rows per Resource Graph page (at most 1000). */
  pageSize?: number;
  /** After each subscription is read: its id, how many are done of how many. */
  onSubscription?: (subscription: string, done: number, total: number) => void;
  /** Where each subscription's resources go as they are read, instead of a snapshot in memory. */
  target?: (subscription: string, capturedAt: string) => CaptureTarget;
}

/** Rows read through ARM before their resources are handed over: memory holds these, not the subscription. */
const HANDOVER_ROWS = 500;

/**
 * A capture of many subscriptions (a management group) the way estates are queried: Resource Graph lists the ids
 * of the watched resources across every subscription in scope (paged with `$skipToken`), then each is read through
 * ARM — Resource Graph's copy can lag a write by minutes, ARM's cannot — and grouped into one snapshot per subscription.
 */
export async function captureWithResourceGraph(scope: GraphCaptureScope, regions: readonly string[], options: GraphCaptureOptions = {}): Promise<GraphCaptureResult> {
  const groups = [...(scope.managementGroups ?? [])];
  const subscriptions = [...(scope.subscriptions ?? [])].map((s) => s.toLowerCase());
  if (groups.length === 0 && subscriptions.length === 0) throw new ConfigError('Resource Graph capture: name at least one management group or subscription');
  const reader = new AzureStateReader(options);
  const graph = await graphClient(reader.clients.options, await reader.clients.token());
  const request = { ...(groups.length > 0 ? { managementGroups: groups } : {}), ...(subscriptions.length > 0 ? { subscriptions } : {}) };
  const pageSize = options.pageSize ?? 1000;
  const rows = await queryAll(graph, { ...request, query: WATCHED_RESOURCES_QUERY }, pageSize);
  const inScope = new Set(subscriptions);
  if (groups.length > 0) for (const row of await queryAll(graph, { ...request, query: SUBSCRIPTIONS_QUERY }, pageSize)) inScope.add(row.subscriptionId.toLowerCase());
  for (const row of rows) inScope.add(row.subscriptionId.toLowerCase());

  const capturedAt = new Date().toISOString();
  const result: GraphCaptureResult = { snapshots: [], failures: [] };
  const ordered = [...inScope].sort();
  for (const [index, subscription] of ordered.entries()) {
    const mine = rows.filter((row) => row.subscriptionId.toLowerCase() === subscription);
    const target = options.target?.(subscription, capturedAt) ?? snapshotTarget(subscription, capturedAt, result.snapshots);
    const error = await readInto(target, reader, subscription, mine, regions);
    if (error === undefined) await target.finish();
    else result.failures.push({ subscription, error });
    options.onSubscription?.(subscription, index + 1, ordered.length);
  }
  return result;
}

/** A subscription's rows read through ARM into its target a few hundred at a time; what failed, if anything (then discarded). */
async function readInto(target: CaptureTarget, reader: AzureStateReader, subscription: string, rows: readonly GraphRow[], regions: readonly string[]): Promise<string | undefined> {
  try {
    for (let start = 0; start < rows.length; start += HANDOVER_ROWS) {
      const read = await mapLimited(rows.slice(start, start + HANDOVER_ROWS), CAPTURE_CONCURRENCY, (row) => readRow(reader, subscription, row));
      await target.add(read.flat().filter((resource) => inRegions(resource, regions)));
    }
    return undefined;
  } catch (error) {
    await target.discard();
    if (!(error instanceof NetdriftError)) throw error;
    return oneLine(error);
  }
}

/** A subscription's snapshot built in memory, pushed to `snapshots` once it was read whole. */
function snapshotTarget(subscription: string, capturedAt: string, snapshots: Snapshot[]): CaptureTarget {
  const resources: Resource[] = [];
  return {
    add: async (batch) => { for (const resource of batch) resources.push(resource); },
    finish: async () => {
      const snapshot = emptySnapshot({ cloud: 'azure', account: subscription }, capturedAt);
      snapshot.resources = resources.sort(byKindAndId);
      snapshots.push(snapshot);
    },
    discard: async () => { resources.length = 0; },
  };
}

/** One Resource Graph row read through ARM: the resource, or a VNet's peerings; nothing when it is gone since. */
async function readRow(reader: AzureStateReader, subscription: string, row: GraphRow): Promise<Resource[]> {
  const kind = GRAPH_TYPES[(row.type ?? '').toLowerCase()];
  if (!kind || !row.id) return [];
  const scope: Scope = { cloud: 'azure', account: subscription };
  if (kind === 'network') {
    const { readNetwork, peeringFromArm } = await import('./arm-read-routes.js');
    const network = await readNetwork(reader.clients, row.id);
    return (network?.virtualNetworkPeerings ?? []).flatMap((peering) => peeringFromArm(peering, network ?? {}) ?? []);
  }
  const read = await reader.read({ ...scope, kind, id: row.id, region: row.location ?? 'unknown' });
  return read.exists ? [read.state] : [];
}

/** Every row of a query, following `$skipToken` page by page. */
async function queryAll(graph: ResourceGraphClient, request: Parameters<ResourceGraphClient['resources']>[0], pageSize: number): Promise<GraphRow[]> {
  const rows: GraphRow[] = [];
  let skipToken: string | undefined;
  const groups = request.managementGroups ?? [];
  const where = groups.length > 0 ? `management groups ${groups.join(', ')}` : `${request.subscriptions?.length ?? 0} subscriptions`;
  const scope = groups.length > 0 ? `/providers/Microsoft.Management/managementGroups/${groups[0] ?? ''}` : request.subscriptions?.[0] ?? '';
  do {
    const options = { top: pageSize, resultFormat: 'objectArray' as const, ...(skipToken ? { skipToken } : {}) };
    const response = await armCall('Resource Graph query over', where, scope, () => graph.resources({ ...request, options }));
    const page = Page.safeParse(response);
    if (!page.success) throw new NetdriftError(`Resource Graph query over ${where}: unexpected response (${page.error.issues[0]?.message ?? 'invalid'})`);
    rows.push(...page.data.data);
    skipToken = page.data.skipToken ?? undefined;
  } while (skipToken);
  return rows;
}

/** The minimal ms-rest-js request policy shapes the bounded retry below needs (the package is @azure/arm-resourcegraph's). */
interface MsRestRequest { clone(): MsRestRequest; timeout: number }
interface MsRestResponse { status: number; headers: { get(name: string): string | undefined } }
interface MsRestPolicy { sendRequest(request: MsRestRequest): Promise<MsRestResponse> }

/**
 * `@azure/arm-resourcegraph` 4.x is built on ms-rest-js, whose default retries wait up to 90 s and whatever
 * `Retry-After` says: replaced by the same bounds as the core-client clients (arm-clients.ts).
 */
function boundedRetryFactory(options: ArmClientOptions) {
  const maxRetries = options.maxRetries ?? 2;
  const maxWait = options.maxRetryAfterMs ?? 5_000;
  return {
    create: (next: MsRestPolicy): MsRestPolicy => ({
      async sendRequest(request) {
        for (let attempt = 0; ; attempt += 1) {
          const copy = request.clone();
          if (!copy.timeout) copy.timeout = options.timeoutMs ?? 20_000;
          const response = await next.sendRequest(copy);
          const retryable = response.status === 429 || response.status === 408 || response.status >= 500;
          if (!retryable || attempt >= maxRetries) return response;
          const wait = response.status === 429 ? retryAfterMs((name) => response.headers.get(name)) : 400 * 2 ** attempt;
          if (wait === undefined || wait > maxWait) return response;
          await sleep(wait);
        }
      },
    }),
  };
}

async function graphClient(options: ArmClientOptions, credential: Awaited<ReturnType<AzureStateReader['clients']['token']>>): Promise<ResourceGraphClient> {
  const { ResourceGraphClient: Client } = await import('@azure/arm-resourcegraph');
  return new Client(credential, {
    baseUri: options.endpoint ?? ARM_ENDPOINT,
    noRetryPolicy: true,
    requestPolicyFactories: (defaults) => [...defaults, boundedRetryFactory(options) as unknown as (typeof defaults)[number]],
    ...(options.tlsCa ? { agentSettings: { http: new HttpAgent(), https: new HttpsAgent({ ca: options.tlsCa }) } } : {}),
  });
}
