import type { Selector } from '../../core/change.js';
import { NetdriftError, oneLine, PermanentReadError } from '../../core/errors.js';
import type { CaptureResult, ReadResult, StateReader } from '../../core/ports.js';
import type { Resource, ResourceKind, ResourceRef, Scope } from '../../core/resource.js';
import { emptySnapshot } from '../../core/snapshot.js';
import { compareText } from '../../snapshots/canonical.js';
import { GcpClients, type GcpClientConfig } from './gcp-clients.js';
import { projectOfPath } from './resource-path.js';

// The service modules (and with them the client libraries) load on first use.
const compute = () => import('./gcp-read-compute.js');
const dns = () => import('./gcp-read-dns.js');

export type { GcpClientConfig } from './gcp-clients.js';

export interface GcpStateReaderOptions {
  clientConfig?: GcpClientConfig;
  /** Called by `capture` after each resource type: `done` of `total`, with the type's name. */
  onProgress?: (step: string, done: number, total: number) => void;
}

type ReadOne = (clients: GcpClients, id: string) => Promise<Resource | undefined>;

/** How to read one resource, by kind and the shape of its path (DESIGN.md, "Resource ids"). */
const READERS: readonly { kind: ResourceKind; shape: RegExp; read: ReadOne }[] = [
  { kind: 'route-table', shape: /^projects\/[^/]+\/global\/networks\/[^/]+$/, read: async (c, id) => (await compute()).readRouteTable(c, id) },
  { kind: 'nat-gateway', shape: /^projects\/[^/]+\/regions\/[^/]+\/routers\/[^/]+\/nats\/[^/]+$/, read: async (c, id) => (await compute()).readNat(c, id) },
  { kind: 'subnet', shape: /^projects\/[^/]+\/regions\/[^/]+\/subnetworks\/[^/]+$/, read: async (c, id) => (await compute()).readSubnet(c, id) },
  { kind: 'private-endpoint', shape: /^projects\/[^/]+\/(global|regions\/[^/]+)\/forwardingRules\/[^/]+$/, read: async (c, id) => (await compute()).readPrivateEndpoint(c, id) },
  { kind: 'peering', shape: /^projects\/[^/]+\/global\/networks\/[^/]+\/peerings\/[^/]+$/, read: async (c, id) => (await compute()).readPeering(c, id) },
  { kind: 'dns-zone', shape: /^projects\/[^/]+\/managedZones\/[^/]+$/, read: async (c, id) => (await dns()).readDnsZone(c, id) },
  { kind: 'dns-forwarding', shape: /^projects\/[^/]+\/policies\/[^/]+$/, read: async (c, id) => (await dns()).readDnsPolicy(c, id) },
];

/** What `select` can enumerate live: the NATs of a router, the peerings of a network. */
const SELECTABLE: readonly { kind: ResourceKind; prefix: RegExp; list: (c: GcpClients, parent: string) => Promise<string[]> }[] = [
  { kind: 'nat-gateway', prefix: /^(projects\/[^/]+\/regions\/[^/]+\/routers\/[^/]+)\/nats\/$/, list: async (c, p) => (await compute()).natIdsOfRouter(c, p) },
  { kind: 'peering', prefix: /^(projects\/[^/]+\/global\/networks\/[^/]+)\/peerings\/$/, list: async (c, p) => (await compute()).peeringIdsOfNetwork(c, p) },
];

/** The parts of a project capture, one progress step each; regional lists keep the wanted regions. */
const CAPTURE_STEPS: readonly { name: string; list: (c: GcpClients, project: string, regions: readonly string[]) => Promise<Resource[]> }[] = [
  { name: 'networks, routes and peerings', list: async (c, p) => (await compute()).listNetworks(c, p) },
  { name: 'Cloud NAT', list: async (c, p, r) => (await compute()).listNats(c, p, r) },
  { name: 'subnetworks', list: async (c, p, r) => (await compute()).listSubnets(c, p, r) },
  { name: 'Private Service Connect endpoints', list: async (c, p, r) => (await compute()).listPrivateEndpoints(c, p, r) },
  { name: 'DNS managed zones', list: async (c, p) => (await dns()).listDnsZones(c, p) },
  { name: 'DNS server policies', list: async (c, p) => (await dns()).listDnsPolicies(c, p) },
];

/**
 * Live GCP state through the Compute Engine and Cloud DNS APIs (Application Default Credentials:
 * the function's service account, with `roles/compute.networkViewer` and `roles/dns.reader`), in
 * the snapshot format the audit-log parser produces for the same resources. A resource of another
 * project than the ref's account is never read. Throttling (429, RESOURCE_EXHAUSTED), UNAVAILABLE
 * and timeouts throw `TransientError`; PERMISSION_DENIED and anything else `PermanentReadError`.
 */
export class GcpStateReader implements StateReader {
  private readonly clients: GcpClients;

  constructor(private readonly options: GcpStateReaderOptions = {}) {
    this.clients = new GcpClients(options.clientConfig);
  }

  async read(ref: ResourceRef): Promise<ReadResult> {
    if (ref.cloud !== 'gcp') throw new PermanentReadError(`GcpStateReader: ${ref.kind} ${ref.id} is in ${ref.cloud}, not gcp`);
    const row = READERS.find((reader) => reader.kind === ref.kind);
    if (!row || !row.shape.test(ref.id)) throw new PermanentReadError(`GcpStateReader: not a GCP ${ref.kind} path: ${ref.id.slice(0, 120)}`);
    if (projectOfPath(ref.id) !== ref.account) {
      throw new PermanentReadError(`GcpStateReader: ${ref.id.slice(0, 120)} is not in project ${ref.account}`);
    }
    const state = await row.read(this.clients, ref.id);
    return state ? { exists: true, state } : { exists: false };
  }

  /** The live ids under a router (its NATs) or a network (its peerings); nothing for any other selector. */
  async select(scope: Scope, kind: ResourceKind, selector: Selector): Promise<string[]> {
    const row = SELECTABLE.find((entry) => entry.kind === kind);
    const parent = selector.idPrefix === undefined ? undefined : row?.prefix.exec(selector.idPrefix)?.[1];
    if (!row || !parent || projectOfPath(parent) !== scope.account) return [];
    const except = new Set(selector.except ?? []);
    return (await row.list(this.clients, parent)).filter((id) => !except.has(id));
  }

  /**
   * A whole project: networks with their routes and peerings, Cloud NAT, subnetworks and Private
   * Service Connect endpoints of `regions` (every region when empty), and Cloud DNS. A type that
   * fails is reported under `failures` (by its name) and the capture holds none of it, so that a
   * partial listing is never mistaken for deletions.
   */
  async capture(scope: Scope, regions: readonly string[]): Promise<CaptureResult> {
    const capturedAt = new Date().toISOString();
    const resources: Resource[] = [];
    const failures = await this.captureInto(scope, regions, async (listed) => {
      for (const resource of listed) resources.push(resource);
    });
    const snapshot = emptySnapshot({ cloud: 'gcp', account: scope.account }, capturedAt);
    snapshot.resources = resources.sort((a, b) => compareText(a.kind, b.kind) || compareText(a.id, b.id));
    return { snapshot, failures };
  }

  /**
   * `capture` handing each type's resources to `onResources` once the type is listed (one at a time), each
   * dropped once handed over. The types are listed at once, as `capture` lists them: a project whose types
   * are all large still peaks near its size. Returns the types that failed, whose resources were not handed over.
   */
  async captureInto(scope: Scope, regions: readonly string[], onResources: (resources: Resource[]) => Promise<void>): Promise<CaptureResult['failures']> {
    if (scope.cloud !== 'gcp') throw new PermanentReadError(`GcpStateReader: cannot capture ${scope.cloud} account ${scope.account}`);
    const failures: CaptureResult['failures'] = [];
    let handed = Promise.resolve();
    let done = 0;
    await Promise.all(CAPTURE_STEPS.map(async (step) => {
      let listed: Resource[] | undefined;
      try {
        listed = await step.list(this.clients, scope.account, regions);
      } catch (error) {
        if (!(error instanceof NetdriftError)) throw error;
        failures.push({ region: step.name, error: oneLine(error) });
      }
      done += 1;
      this.options.onProgress?.(step.name, done, CAPTURE_STEPS.length);
      const batch = listed;
      if (batch && batch.length > 0) {
        handed = handed.then(() => onResources(batch));
        await handed;
      }
    }));
    return failures.sort((a, b) => compareText(a.region, b.region));
  }

  async close(): Promise<void> {
    await this.clients.close();
  }
}
