import type { NetworkManagementClient } from '@azure/arm-network';
import type { Selector } from '../../core/change.js';
import { ConfigError, PermanentReadError } from '../../core/errors.js';
import type { CaptureResult, ReadResult, StateReader } from '../../core/ports.js';
import type { Resource, ResourceKind, ResourceRef, Scope } from '../../core/resource.js';
import { emptySnapshot } from '../../core/snapshot.js';
import { compareText } from '../../snapshots/canonical.js';
import { ArmClients, type ArmClientOptions } from './arm-clients.js';
import { armReadError } from './arm-errors.js';
import { parseArmId } from './arm-id.js';

// Each family loads on first use, its SDK package with it (esbuild makes each dynamic import a chunk).
const routes = () => import('./arm-read-routes.js');
const endpoints = () => import('./arm-read-endpoints.js');
const dns = () => import('./arm-read-dns.js');

export type { ArmClientOptions } from './arm-clients.js';

export interface AzureStateReaderOptions {
  /** Endpoint, credential and retry bounds of the ARM clients (tests: a local server and a static token). */
  clientOptions?: ArmClientOptions;
  /**
   * Called by `capture` after each resource type is listed: the type, `done` of `total` types, and how many
   * resources of it were found, for a progress line per type.
   */
  onProgress?: (resourceType: string, done: number, total: number, found: number) => void;
}

type ReadOne = (clients: ArmClients, id: string) => Promise<Resource | undefined>;

/** How each kind is read, and the ARM types its ids may have (compared lower-cased). */
const READERS: Readonly<Record<ResourceKind, { types: readonly string[]; read: ReadOne } | undefined>> = {
  'route-table': { types: ['microsoft.network/routetables'], read: async (c, id) => (await routes()).readRouteTable(c, id) },
  'nat-gateway': { types: ['microsoft.network/natgateways'], read: async (c, id) => (await routes()).readNatGateway(c, id) },
  subnet: { types: ['microsoft.network/virtualnetworks/subnets'], read: async (c, id) => (await routes()).readSubnet(c, id) },
  peering: { types: ['microsoft.network/virtualnetworks/virtualnetworkpeerings'], read: async (c, id) => (await routes()).readPeering(c, id) },
  'private-endpoint': { types: ['microsoft.network/privateendpoints'], read: async (c, id) => (await endpoints()).readPrivateEndpoint(c, id) },
  'dns-zone': { types: ['microsoft.network/privatednszones'], read: async (c, id) => (await dns()).readDnsZone(c, id) },
  'dns-forwarding': {
    types: ['microsoft.network/dnsforwardingrulesets', 'microsoft.network/dnsresolvers'],
    read: async (c, id) => (await dns()).readDnsForwarding(c, id),
  },
  'internet-gateway': undefined,
};

type Routes = Awaited<ReturnType<typeof routes>>;
type ListPages = (clients: ArmClients, subscription: string) => AsyncIterable<Resource[]>;

/** A list read whole, handed over as one batch (its items are read one by one after the listing). */
const whole = (list: (clients: ArmClients, subscription: string) => Promise<Resource[]>): ListPages =>
  async function* listed(clients, subscription) {
    yield await list(clients, subscription);
  };

/** A network list handed over page by page as the SDK follows `nextLink`: memory holds one page of it. */
const byPage = <T>(
  call: string, list: (client: NetworkManagementClient) => { byPage(): AsyncIterable<T[]> }, map: (family: Routes) => (item: T) => Resource,
): ListPages =>
  async function* pages(clients, subscription) {
    const [client, family] = await Promise.all([clients.networkClient(subscription), routes()]);
    try {
      for await (const page of list(client).byPage()) yield page.map(map(family));
    } catch (error) {
      throw armReadError(call, `/subscriptions/${subscription}`, subscription, error);
    }
  };

/** What a capture lists, one progress step each, in this order. */
export const CAPTURE_STEPS: readonly { type: string; pages: ListPages }[] = [
  { type: 'Microsoft.Network/routeTables', pages: byPage('list route tables', (c) => c.routeTables.listAll(), (f) => f.routeTableFromArm) },
  { type: 'Microsoft.Network/natGateways', pages: byPage('list NAT gateways', (c) => c.natGateways.listAll(), (f) => f.natGatewayFromArm) },
  { type: 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings', pages: whole(async (c, s) => (await routes()).listPeerings(c, s)) },
  { type: 'Microsoft.Network/privateEndpoints', pages: whole(async (c, s) => (await endpoints()).listPrivateEndpoints(c, s)) },
  { type: 'Microsoft.Network/privateDnsZones', pages: whole(async (c, s) => (await dns()).listDnsZones(c, s)) },
  { type: 'Microsoft.Network/dnsForwardingRulesets', pages: whole(async (c, s) => (await dns()).listDnsForwarding(c, s)) },
];

const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function byKindAndId(a: Resource, b: Resource): number {
  return compareText(a.kind, b.kind) || compareText(a.id.toLowerCase(), b.id.toLowerCase());
}

/** Whether a resource is in the regions asked for (all when none); private DNS zones are `global` and always are. */
export function inRegions(resource: Resource, regions: readonly string[]): boolean {
  if (regions.length === 0 || resource.region === 'global') return true;
  return regions.some((region) => region.toLowerCase() === resource.region.toLowerCase());
}

/**
 * Live Azure state through ARM (`@azure/arm-network`, `@azure/arm-privatedns`, `@azure/arm-dnsresolver`), in
 * the snapshot format, read with one identity (the Function App's managed identity, which needs `Reader` on each
 * watched subscription or their management group). Ids compare case-insensitively, as ARM's do.
 *
 * A missing resource does not exist; throttling (after the SDK's bounded retries), 5xx and timeouts throw
 * `TransientError`; 401/403 throw `OperatorError('access-denied')`; anything else `PermanentReadError`.
 */
export class AzureStateReader implements StateReader {
  readonly clients: ArmClients;

  constructor(private readonly options: AzureStateReaderOptions = {}) {
    this.clients = new ArmClients(options.clientOptions);
  }

  async read(ref: ResourceRef): Promise<ReadResult> {
    if (ref.cloud !== 'azure') throw new PermanentReadError(`AzureStateReader: ${ref.kind} ${ref.id} is in ${ref.cloud}, not azure`);
    const reader = READERS[ref.kind];
    if (!reader) throw new PermanentReadError(`AzureStateReader: Azure has no ${ref.kind} resources (${ref.id})`);
    const parsed = parseArmId(ref.id);
    if (!parsed || !reader.types.includes(parsed.type.toLowerCase())) {
      throw new PermanentReadError(`AzureStateReader: ${ref.id.slice(0, 300)} is not the id of a ${ref.kind}`);
    }
    if (parsed.subscription.toLowerCase() !== ref.account.toLowerCase()) {
      throw new PermanentReadError(`AzureStateReader: ${ref.id} is not in subscription ${ref.account}`);
    }
    const state = await reader.read(this.clients, ref.id);
    return state ? { exists: true, state } : { exists: false };
  }

  /**
   * The route tables or NAT gateways holding a subnet (read on the subnet: what it points to now), or any subnet
   * of a VNet (read on the VNet, its subnets inline), or a VNet's peerings. A subnet or VNet that is gone holds
   * nothing. Other selectors: nothing the reader can tell.
   */
  async select(scope: Scope, kind: ResourceKind, selector: Selector): Promise<string[]> {
    try {
      return await this.selectLive(scope, kind, selector);
    } catch (error) {
      // What cannot be told (a foreign id, a 400) leaves the pipeline the holders it knows, each read back.
      if (error instanceof PermanentReadError) return [];
      throw error;
    }
  }

  private async selectLive(scope: Scope, kind: ResourceKind, selector: Selector): Promise<string[]> {
    const family = await routes();
    const field = selector.field === 'subnets' && (kind === 'route-table' || kind === 'nat-gateway') ? kind : undefined;
    let found: string[] = [];
    if (field && selector.contains) {
      const holders = await family.subnetHolders(this.clients, this.owned(scope, selector.contains));
      found = [(field === 'route-table' ? holders.routeTable : holders.natGateway) ?? []].flat();
    } else if (field && selector.containsPrefix) {
      const network = await family.readNetwork(this.clients, this.owned(scope, selector.containsPrefix));
      found = (network?.subnets ?? []).flatMap((subnet) => (field === 'route-table' ? subnet.routeTable?.id : subnet.natGateway?.id) ?? []);
    } else if (kind === 'peering' && selector.idPrefix && /\/virtualNetworkPeerings\/?$/i.test(selector.idPrefix)) {
      const network = await family.readNetwork(this.clients, this.owned(scope, selector.idPrefix));
      found = (network?.virtualNetworkPeerings ?? []).flatMap((peering) => peering.id ?? []);
    }
    const except = new Set((selector.except ?? []).map((id) => id.toLowerCase()));
    const unique = new Map(found.map((id) => [id.toLowerCase(), id]));
    return [...unique].filter(([key]) => !except.has(key)).map(([, id]) => id);
  }

  /**
   * Every watched resource of the subscription (`scope.account`), listed type by type through ARM's paged lists,
   * kept to `regions` when any are given (private DNS zones are global). All or nothing: a type that cannot be
   * listed fails the capture, so a partial listing is never taken for deletions. Subnets are not captured: on
   * Azure their associations live on the route tables and NAT gateways.
   */
  async capture(scope: Scope, regions: readonly string[]): Promise<CaptureResult> {
    const capturedAt = new Date().toISOString();
    const found: Resource[] = [];
    await this.captureInto(scope, regions, async (resources) => {
      for (const resource of resources) found.push(resource);
    });
    const snapshot = emptySnapshot({ cloud: 'azure', account: scope.account.toLowerCase() }, capturedAt);
    snapshot.resources = found.sort(byKindAndId);
    return { snapshot, failures: [] };
  }

  /**
   * `capture` handing what it lists to `onResources` as it lists it (a page of route tables or NAT gateways,
   * the whole of each other type), each batch handed over before the next is read; throws as `capture` does.
   */
  async captureInto(scope: Scope, regions: readonly string[], onResources: (resources: Resource[]) => Promise<void>): Promise<void> {
    if (scope.cloud !== 'azure') throw new PermanentReadError(`AzureStateReader: cannot capture ${scope.cloud} account ${scope.account}`);
    if (!SUBSCRIPTION_ID.test(scope.account)) throw new ConfigError(`capture of "${scope.account}" refused: not an Azure subscription id (a GUID)`);
    const subscription = scope.account.toLowerCase();
    for (const [index, step] of CAPTURE_STEPS.entries()) {
      let found = 0;
      for await (const page of step.pages(this.clients, subscription)) {
        const listed = page.filter((resource) => inRegions(resource, regions));
        found += listed.length;
        if (listed.length > 0) await onResources(listed);
      }
      this.options.onProgress?.(step.type, index + 1, CAPTURE_STEPS.length, found);
    }
  }

  /** An id of the scope's subscription, or a refusal: one subscription's events never read another's resources. */
  private owned(scope: Scope, id: string): string {
    const parsed = parseArmId(id.replace(/\/(subnets|virtualNetworkPeerings)\/?$/i, ''));
    if (!parsed || parsed.subscription.toLowerCase() !== scope.account.toLowerCase()) {
      throw new PermanentReadError(`AzureStateReader: ${id.slice(0, 300)} is not a resource of subscription ${scope.account}`);
    }
    return parsed.id;
  }
}
