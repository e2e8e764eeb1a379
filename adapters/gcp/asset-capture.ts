import { NetdriftError, oneLine, PermanentReadError } from '../../core/errors.js';
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
 * problem fails that project only). One snapshot per project.
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
}

export interface AssetCaptureResult {
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

async function captureProject(reader: GcpStateReader, project: string, assets: { kind: ResourceKind; path: string }[], capturedAt: string): Promise<Snapshot> {
  const resources: Resource[] = [];
  for (let start = 0; start < assets.length; start += PARALLEL_READS) {
    const batch = assets.slice(start, start + PARALLEL_READS);
    for (const found of await Promise.all(batch.map((a) => readAsset(reader, project, a.kind, a.path)))) resources.push(...found);
  }
  const snapshot = emptySnapshot({ cloud: 'gcp', account: project }, capturedAt);
  const unique = new Map(resources.map((r) => [`${r.kind}/${r.id}`, r]));
  snapshot.resources = [...unique.values()].sort((a, b) => compareText(a.kind, b.kind) || compareText(a.id, b.id));
  return snapshot;
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
    try {
      snapshots.push(await captureProject(reader, project, byProject.get(project) ?? [], capturedAt));
    } catch (error) {
      if (!(error instanceof NetdriftError)) throw error;
      failures.push({ project, error: oneLine(error) });
    }
    options.onProgress?.(project, index + 1, projects.length);
  }
  return { snapshots, failures };
}
