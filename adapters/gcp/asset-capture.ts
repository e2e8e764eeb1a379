import { NetdriftError, oneLine, PermanentReadError } from '../../core/errors.js';
import type { CaptureTarget } from '../../core/ports.js';
import type { Resource, ResourceKind, ResourceRef } from '../../core/resource.js';
import { emptySnapshot, type Snapshot } from '../../core/snapshot.js';
import { compareText } from '../../snapshots/canonical.js';
import type { GcpClientConfig } from './gcp-clients.js';
import { readApi } from './gcp-read-errors.js';
import type { GcpStateReader } from './gcp-state-reader.js';
import { gcpResourcePath, projectOfPath, regionOfPath } from './resource-path.js';

/**
 * Capture of a folder or an organisation through Cloud Asset Inventory, the way GCP estates are
 * already queried at scale: one `searchAllResources` over the scope finds every watched resource
 * of every project (https://cloud.google.com/asset-inventory/docs/reference/rest/v1/TopLevel/searchAllResources),
 * then each is read through Compute and Cloud DNS with the reader (one project's credentials
 * problem fails that project only). One snapshot per project, or one target fed as it is read.
 */

/** The asset types netdrift keeps, and the snapshot kind each is read as. */
const ASSET_KINDS: Readonly<Record<string, ResourceKind>> = {
  'compute.googleapis.com/Network': 'route-table',
  'compute.googleapis.com/Router': 'nat-gateway',
  'compute.googleapis.com/Subnetwork': 'subnet',
  'compute.googleapis.com/ForwardingRule': 'private-endpoint',
  'compute.googleapis.com/GlobalForwardingRule': 'private-endpoint',
  'dns.googleapis.com/ManagedZone': 'dns-zone',
  'dns.googleapis.com/Policy': 'dns-forwarding',
};

const SCOPE = /^(organizations|folders|projects)\/[A-Za-z0-9-]+$/;
const PARALLEL_READS = 8;

export interface AssetCaptureOptions {
  /** `organizations/123`, `folders/456` (or `projects/p`). */
  scope: string;
  /** Regional resources of these regions only; every region when empty. */
  regions?: readonly string[];
  clientConfig?: GcpClientConfig;
  /** After each project: how many of the found projects are done. */
  onProgress?: (project: string, done: number, total: number) => void;
  /** Where each project's resources go as they are read, instead of a snapshot in memory. */
  target?: (project: string, capturedAt: string) => CaptureTarget;
}

export interface AssetCaptureResult {
  /** One snapshot per project read whole (none when `target` takes them). */
  snapshots: Snapshot[];
  /** Projects whose capture failed (none of their resources is kept). */
  failures: { project: string; error: string }[];
}

interface FoundAsset {
  name?: string | null;
  assetType?: string | null;
}

/** Every watched resource path under the scope, grouped by project. */
async function searchScope(options: AssetCaptureOptions): Promise<Map<string, { kind: ResourceKind; path: string }[]>> {
  const { AssetServiceClient } = await import('@google-cloud/asset');
  const config = options.clientConfig ?? {};
  const endpoint = config.endpoint ? new URL(config.endpoint) : undefined;
  const client = new AssetServiceClient({
    fallback: true,
    ...(config.authClient ? { authClient: config.authClient as never } : {}),
    ...(endpoint ? { apiEndpoint: endpoint.hostname, port: Number(endpoint.port), protocol: endpoint.protocol.replace(':', '') } : {}),
  });
  const byProject = new Map<string, { kind: ResourceKind; path: string }[]>();
  // The client is not closed: google-gax's REST transport shares its HTTP agent between clients, and
  // closing one resets the connections of the Compute clients the reads below go through.
  await readApi(`Cloud Asset Inventory search of ${options.scope}`, async () => {
    for await (const asset of client.searchAllResourcesAsync({ scope: options.scope, assetTypes: Object.keys(ASSET_KINDS) }, { autoPaginate: false }) as AsyncIterable<FoundAsset>) {
      const kind = ASSET_KINDS[asset.assetType ?? ''];
      const path = gcpResourcePath(asset.name ?? '');
      const project = projectOfPath(path);
      if (!kind || !project) continue;
      const region = regionOfPath(path);
      if (region !== 'global' && options.regions?.length && !options.regions.includes(region)) continue;
      const list = byProject.get(project) ?? [];
      list.push({ kind, path });
      byProject.set(project, list);
    }
  });
  return byProject;
}

/** The resources one found asset stands for: a router's NATs, a network's route table and peerings. */
async function readAsset(reader: GcpStateReader, project: string, kind: ResourceKind, path: string): Promise<Resource[]> {
  const ref = (k: ResourceKind, id: string): ResourceRef => ({ cloud: 'gcp', account: project, kind: k, id, region: regionOfPath(id) });
  const scope = { cloud: 'gcp' as const, account: project };
  let ids: { kind: ResourceKind; id: string }[] = [{ kind, id: path }];
  if (kind === 'nat-gateway') ids = (await reader.select(scope, 'nat-gateway', { idPrefix: `${path}/nats/` })).map((id) => ({ kind, id }));
  if (kind === 'route-table') ids.push(...(await reader.select(scope, 'peering', { idPrefix: `${path}/peerings/` })).map((id) => ({ kind: 'peering' as const, id })));
  const found: Resource[] = [];
  for (const one of ids) {
    const result = await reader.read(ref(one.kind, one.id));
    if (result.exists) found.push(result.state);
  }
  return found;
}

/** A project's found assets read a few at a time into its target; what failed, if anything (then discarded). */
async function captureProject(target: CaptureTarget, reader: GcpStateReader, project: string, assets: readonly { kind: ResourceKind; path: string }[]): Promise<string | undefined> {
  try {
    for (let start = 0; start < assets.length; start += PARALLEL_READS) {
      const batch = assets.slice(start, start + PARALLEL_READS);
      await target.add((await Promise.all(batch.map((a) => readAsset(reader, project, a.kind, a.path)))).flat());
    }
    return undefined;
  } catch (error) {
    await target.discard();
    if (!(error instanceof NetdriftError)) throw error;
    return oneLine(error);
  }
}

/** A project's snapshot built in memory (a resource found twice kept once), pushed to `snapshots` once it was read whole. */
function snapshotTarget(project: string, capturedAt: string, snapshots: Snapshot[]): CaptureTarget {
  const unique = new Map<string, Resource>();
  return {
    add: async (batch) => { for (const resource of batch) unique.set(`${resource.kind}/${resource.id}`, resource); },
    finish: async () => {
      const snapshot = emptySnapshot({ cloud: 'gcp', account: project }, capturedAt);
      snapshot.resources = [...unique.values()].sort((a, b) => compareText(a.kind, b.kind) || compareText(a.id, b.id));
      snapshots.push(snapshot);
    },
    discard: async () => { unique.clear(); },
  };
}

/** Captures every project of a folder or organisation that holds a watched resource. */
export async function captureThroughAssets(reader: GcpStateReader, options: AssetCaptureOptions): Promise<AssetCaptureResult> {
  if (!SCOPE.test(options.scope)) throw new PermanentReadError(`asset capture: expected organizations/ID, folders/ID or projects/ID, got ${options.scope.slice(0, 80)}`);
  const capturedAt = new Date().toISOString();
  const byProject = await searchScope(options);
  const projects = [...byProject.keys()].sort(compareText);
  const snapshots: Snapshot[] = [];
  const failures: AssetCaptureResult['failures'] = [];
  for (const [index, project] of projects.entries()) {
    const target = options.target?.(project, capturedAt) ?? snapshotTarget(project, capturedAt, snapshots);
    const error = await captureProject(target, reader, project, byProject.get(project) ?? []);
    if (error === undefined) await target.finish();
    else failures.push({ project, error });
    options.onProgress?.(project, index + 1, projects.length);
  }
  return { snapshots, failures };
}
