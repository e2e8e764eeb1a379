import type { Selector } from '../../core/change.js';
import { ConfigError, NetdriftError, oneLine, PermanentReadError } from '../../core/errors.js';
import type { CaptureResult, ReadResult, StateReader } from '../../core/ports.js';
import type { Resource, ResourceKind, ResourceRef, Scope } from '../../core/resource.js';
import { emptySnapshot } from '../../core/snapshot.js';
import { compareText } from '../../snapshots/canonical.js';
import { AccountCredentials, ACCOUNT_ID, type AssumeRoleSettings } from './account-credentials.js';
import { AwsClients, type AwsClientConfig, type AwsClientFactories } from './read-clients.js';
import { AwsNotFoundError } from './read-errors.js';

/** Where hosted zones are read: Route 53 is global, its API in us-east-1. */
const DNS_ZONE_REGION = 'global'; // as read-dns.ts spells it, without loading it

// The service modules load on first use: a read of a hosted zone never loads the EC2 client, and
// neither loads until something is read (esbuild makes each dynamic import a chunk of its own).
const ec2Tables = () => import('./read-route-tables.js');
const ec2Gateways = () => import('./read-gateways.js');
const dns = () => import('./read-dns.js');

export type { AwsClientConfig, AwsClientFactories, AwsCredentials } from './read-clients.js';
export type { AssumeRoleSettings } from './account-credentials.js';

export interface AwsStateReaderOptions {
  /** The caller's (the hub's) endpoint, credentials and home region. */
  clientConfig?: AwsClientConfig;
  /**
   * The spoke role to read every account through, the caller's own included. Without it, only the
   * caller's own account is read (with its own credentials); any other account is refused.
   */
  assumeRole?: AssumeRoleSettings;
  /** Replaces how clients are made, per service, in every account (tests: a region whose client cannot connect). */
  clients?: Partial<AwsClientFactories>;
  /**
   * Called by `capture` after each resource type of a region: `done` of the region's `total` types,
   * for a progress bar per region. The hosted zones are one step of region `global`. A region that
   * fails reports no further progress (its failure is in the capture's `failures`).
   */
  onProgress?: (region: string, done: number, total: number) => void;
}

type ReadOne = (clients: AwsClients, region: string, id: string) => Promise<Resource | undefined>;

/** How to read one resource, by kind and id prefix; the first row that matches wins. */
const READERS: readonly { kind: ResourceKind; prefix: string; read: ReadOne }[] = [
  { kind: 'route-table', prefix: 'tgw-rtb-', read: async (...a) => (await ec2Tables()).readTransitRouteTable(...a) },
  { kind: 'route-table', prefix: '', read: async (...a) => (await ec2Tables()).readRouteTable(...a) },
  { kind: 'nat-gateway', prefix: '', read: async (...a) => (await ec2Gateways()).readNatGateway(...a) },
  { kind: 'private-endpoint', prefix: '', read: async (...a) => (await ec2Gateways()).readPrivateEndpoint(...a) },
  { kind: 'internet-gateway', prefix: 'eigw-', read: async (...a) => (await ec2Gateways()).readEgressOnlyGateway(...a) },
  { kind: 'internet-gateway', prefix: '', read: async (...a) => (await ec2Gateways()).readInternetGateway(...a) },
  { kind: 'dns-zone', prefix: '', read: async (clients, _region, id) => (await dns()).readDnsZone(clients, id) },
  { kind: 'dns-forwarding', prefix: '', read: async (...a) => (await dns()).readDnsForwarding(...a) },
  { kind: 'peering', prefix: '', read: async (...a) => (await ec2Gateways()).readPeering(...a) },
];

interface CaptureContext {
  account: string;
  regions: readonly string[];
}

type ListRegion = (clients: AwsClients, region: string, context: CaptureContext) => Promise<Resource[]>;

/** What a capture lists in each region, one step of progress each. */
const REGIONAL_LISTS: readonly ListRegion[] = [
  async (clients, region) => (await ec2Tables()).listRouteTables(clients, region),
  async (clients, region) => (await ec2Tables()).listTransitRouteTables(clients, region),
  async (clients, region) => (await ec2Gateways()).listNatGateways(clients, region),
  async (clients, region) => (await ec2Gateways()).listPrivateEndpoints(clients, region),
  async (clients, region) => (await ec2Gateways()).listInternetGateways(clients, region),
  async (clients, region) => (await ec2Gateways()).listEgressOnlyGateways(clients, region),
  async (...a) => (await ec2Gateways()).listPeerings(...a),
  async (clients, region) => (await dns()).listDnsForwarding(clients, region),
];

/** Any region answers DescribeRegions with the regions enabled for the account. */
const REGION_LIST_REGION = 'us-east-1';

function byKindAndId(a: Resource, b: Resource): number {
  return compareText(a.kind, b.kind) || compareText(a.id, b.id);
}

/**
 * Live AWS state through the EC2, Route 53 and Route 53 Resolver APIs, in the snapshot format the
 * CloudTrail adapter produces for the same resources.
 *
 * Each account is read with its own credentials, never another's: with `assumeRole`, through the
 * spoke role `arn:<partition>:iam::<account>:role/<roleName>` (assumed on first use and cached until
 * shortly before it expires, see account-credentials.ts); without it, only the account of the
 * caller's own credentials (STS GetCallerIdentity), and a ref of any other account throws
 * `PermanentReadError` (an event of it becomes `change.unverified`, never a false deletion).
 *
 * Throttled, unavailable and unreachable calls are retried by the SDK and then throw
 * `TransientError`; anything else but a missing resource (a denied AssumeRole included) throws
 * `PermanentReadError`.
 */
export class AwsStateReader implements StateReader {
  private readonly credentials: AccountCredentials;
  /** One set of clients per account, each signing with that account's credentials. */
  private readonly accounts = new Map<string, AwsClients>();

  constructor(private readonly options: AwsStateReaderOptions = {}) {
    this.credentials = new AccountCredentials({
      ...(options.clientConfig ? { clientConfig: options.clientConfig } : {}),
      ...(options.assumeRole ? { assumeRole: options.assumeRole } : {}),
    });
  }

  /**
   * One resource, read with the credentials of `ref.account`; a missing, deleted or deleting one does
   * not exist. Hosted zones are read from us-east-1.
   */
  async read(ref: ResourceRef): Promise<ReadResult> {
    if (ref.cloud !== 'aws') throw new PermanentReadError(`AwsStateReader: ${ref.kind} ${ref.id} is in ${ref.cloud}, not aws`);
    const row = READERS.find((reader) => reader.kind === ref.kind && ref.id.startsWith(reader.prefix));
    if (!row) throw new PermanentReadError(`AwsStateReader: AWS has no ${ref.kind} resources (${ref.id})`);
    const region = ref.kind === 'dns-zone' ? DNS_ZONE_REGION : ref.region;
    const clients = await this.clientsFor(ref.account);
    try {
      const state = await row.read(clients, region, ref.id);
      return state ? { exists: true, state } : { exists: false };
    } catch (error) {
      if (error instanceof AwsNotFoundError) return { exists: false };
      throw error;
    }
  }

  /** AWS events always name their resource: nothing is ever selected. */
  async select(_scope: Scope, _kind: ResourceKind, _selector: Selector): Promise<string[]> {
    return [];
  }

  /**
   * The whole account: every region in `regions` (all the account's enabled regions when empty),
   * regions side by side, and the hosted zones once. A region that fails is reported in `failures`
   * and contributes nothing, so that a partial listing is never mistaken for deletions.
   *
   * First the credentials are checked to be `scope.account`'s (STS GetCallerIdentity, with the
   * assumed role's credentials when a role is configured): a mismatch throws `ConfigError` and
   * nothing is listed, so one account's resources are never saved under another's id.
   */
  async capture(scope: Scope, regions: readonly string[]): Promise<CaptureResult> {
    if (scope.cloud !== 'aws') throw new PermanentReadError(`AwsStateReader: cannot capture ${scope.cloud} account ${scope.account}`);
    const clients = await this.verifiedClients(scope.account);
    const capturedAt = new Date().toISOString();
    const wanted = regions.length > 0 ? [...new Set(regions)] : await this.enabledRegions(clients);
    const context: CaptureContext = { account: scope.account, regions: wanted };
    const failures: CaptureResult['failures'] = [];
    const part = async (region: string, lists: readonly (() => Promise<Resource[]>)[]): Promise<Resource[]> => {
      const found: Resource[] = [];
      try {
        for (const [index, list] of lists.entries()) {
          found.push(...await list());
          this.options.onProgress?.(region, index + 1, lists.length);
        }
        return found;
      } catch (error) {
        if (!(error instanceof NetdriftError)) throw error;
        failures.push({ region, error: oneLine(error) });
        return [];
      }
    };
    const parts = await Promise.all([
      ...wanted.map((region) => part(region, REGIONAL_LISTS.map((list) => () => list(clients, region, context)))),
      part(DNS_ZONE_REGION, [async () => (await dns()).listDnsZones(clients)]),
    ]);
    const unique = new Map<string, Resource>();
    for (const resource of parts.flat()) {
      const key = `${resource.kind}/${resource.id}`;
      if (!unique.has(key)) unique.set(key, resource);
    }
    const snapshot = emptySnapshot({ cloud: scope.cloud, account: scope.account }, capturedAt);
    snapshot.resources = [...unique.values()].sort(byKindAndId);
    failures.sort((a, b) => compareText(a.region, b.region));
    return { snapshot, failures };
  }

  /** Closes the clients' connections (a CLI run that is done). */
  destroy(): void {
    for (const clients of this.accounts.values()) clients.destroy();
    this.accounts.clear();
    this.credentials.destroy();
  }

  /**
   * The clients of `account`: signing with its spoke role's credentials, or with the caller's own
   * when no role is configured and the caller is that account.
   */
  private async clientsFor(account: string): Promise<AwsClients> {
    if (!ACCOUNT_ID.test(account)) throw new PermanentReadError(`account "${account}": not a 12-digit AWS account id`);
    const known = this.accounts.get(account);
    if (known) return known;
    const config = { ...this.options.clientConfig };
    if (this.credentials.roleName !== undefined) {
      config.credentials = this.credentials.provider(account);
    } else {
      const own = await this.credentials.callerAccount();
      if (own !== account) {
        throw new PermanentReadError(
          `account ${account}: no reader role configured (set NETDRIFT_READER_ROLE or --role) — not read with the credentials of account ${own}`);
      }
    }
    const clients = this.accounts.get(account) ?? new AwsClients(config, this.options.clients);
    this.accounts.set(account, clients);
    return clients;
  }

  /** The clients of `account`, once its credentials are shown to be that account's (for a capture). */
  private async verifiedClients(account: string): Promise<AwsClients> {
    if (!ACCOUNT_ID.test(account)) throw new ConfigError(`capture of "${account}" refused: not a 12-digit AWS account id`);
    const role = this.credentials.roleName;
    if (role === undefined) {
      const own = await this.credentials.callerAccount();
      if (own !== account) {
        throw new ConfigError(
          `capture of ${account} refused: these credentials are account ${own}; pass --role (NETDRIFT_READER_ROLE) or use that account's credentials`);
      }
      return this.clientsFor(account);
    }
    const actual = await this.credentials.accountOf(this.credentials.provider(account));
    if (actual !== account) {
      throw new ConfigError(`capture of ${account} refused: role ${this.credentials.roleArn(account)} gave credentials of account ${actual}`);
    }
    return this.clientsFor(account);
  }

  private async enabledRegions(clients: AwsClients): Promise<string[]> {
    return (await ec2Tables()).listEnabledRegions(clients, REGION_LIST_REGION);
  }
}
