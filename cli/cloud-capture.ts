import { ConfigError, NetdriftError, oneLine } from '../core/errors.js';
import type { Snapshot } from '../core/snapshot.js';
import { armOptions, gcpClientConfig } from './live-readers.js';
import { StepProgress } from './progress.js';
import { UsageError } from './usage.js';

/** What `snapshot capture --cloud azure|gcp` captures: one account, or every one under a scope. */
export interface CloudCaptureRequest {
  cloud: 'azure' | 'gcp';
  /** A subscription id or a project id (absent with a wider scope). */
  account?: string;
  /** Azure: a management group, captured through Resource Graph. */
  managementGroup?: string;
  /** GCP: `organizations/ID` or `folders/ID`, captured through Cloud Asset Inventory. */
  assetScope?: string;
  /** Regional resources of these regions only; every region when empty. */
  regions: readonly string[];
  /** ARM base URL (Azure) or the GCP APIs' base URL. */
  endpoint?: string;
  env: Readonly<Record<string, string | undefined>>;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Complete snapshots (each saved as a candidate) and the accounts that could not be read whole (none saved). */
export interface CloudCaptureOutcome {
  snapshots: Snapshot[];
  failures: { account: string; error: string }[];
}

const MANAGEMENT_GROUP = /^[A-Za-z0-9_().-]{1,90}$/;
const ASSET_ID = /^[0-9]{1,30}$/;
/** https://cloud.google.com/resource-manager/docs/creating-managing-projects#before_you_begin */
const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/** `--organization ID` / `--folder ID` as Cloud Asset Inventory's scope (`organizations/ID`, `folders/ID`). */
export function assetScope(kind: 'organization' | 'folder', value: string): string {
  const id = value.replace(/^(organizations|folders)\//, '');
  if (!ASSET_ID.test(id)) throw new UsageError(`--${kind} ${value}: expected a numeric ${kind} id (as in ${kind === 'organization' ? 'organizations' : 'folders'}/123456789012)`);
  return `${kind === 'organization' ? 'organizations' : 'folders'}/${id}`;
}

/** Captures Azure or GCP live state with progress on stderr; never throws for one account's read failure. */
export async function captureCloud(request: CloudCaptureRequest): Promise<CloudCaptureOutcome> {
  return request.cloud === 'azure' ? captureAzure(request) : captureGcp(request);
}

async function captureAzure(request: CloudCaptureRequest): Promise<CloudCaptureOutcome> {
  const clientOptions = await armOptions(request.endpoint, request.env);
  const azure = await import('../adapters/azure/index.js');
  if (request.managementGroup !== undefined) {
    if (!MANAGEMENT_GROUP.test(request.managementGroup)) throw new UsageError(`--management-group ${request.managementGroup}: not a management group name (up to 90 letters, digits, - _ ( ) .)`);
    const progress = new StepProgress(request.stderr, 'captured subscription');
    const result = await azure.captureWithResourceGraph({ managementGroups: [request.managementGroup] }, request.regions, {
      clientOptions, onSubscription: (subscription, done, total) => progress.update(subscription, done, total),
    });
    return { snapshots: result.snapshots, failures: result.failures.map((f) => ({ account: f.subscription, error: f.error })) };
  }
  const account = request.account ?? '';
  const progress = new StepProgress(request.stderr, 'listed');
  const reader = azure.azureStateReader({
    clientOptions, onProgress: (type, done, total, found) => progress.update(`${type}: ${found}`, done, total),
  });
  try {
    const { snapshot } = await reader.capture({ cloud: 'azure', account }, request.regions);
    return { snapshots: [snapshot], failures: [] };
  } catch (error) {
    // A type that cannot be listed fails the whole subscription: a partial capture would read as deletions.
    if (!(error instanceof NetdriftError) || error instanceof ConfigError) throw error;
    return { snapshots: [], failures: [{ account, error: oneLine(error) }] };
  }
}

async function captureGcp(request: CloudCaptureRequest): Promise<CloudCaptureOutcome> {
  const clientConfig = await gcpClientConfig(request.endpoint, request.env);
  const [{ GcpStateReader }, { captureThroughAssets }] = await Promise.all([
    import('../adapters/gcp/gcp-state-reader.js'), import('../adapters/gcp/asset-capture.js'),
  ]);
  try {
    if (request.assetScope !== undefined) {
      // Loaded before the search, not after it: the connection the search leaves open must not sit idle
      // for the seconds the Compute library takes to load (a server may close it meanwhile: ECONNRESET).
      await import('@google-cloud/compute');
      const progress = new StepProgress(request.stderr, 'captured project');
      const reader = new GcpStateReader({ clientConfig });
      try {
        const result = await captureThroughAssets(reader, {
          scope: request.assetScope, regions: request.regions, clientConfig,
          onProgress: (project, done, total) => progress.update(project, done, total),
        });
        return { snapshots: result.snapshots, failures: result.failures.map((f) => ({ account: f.project, error: f.error })) };
      } finally {
        await reader.close();
      }
    }
    const account = request.account ?? '';
    if (!PROJECT_ID.test(account)) throw new UsageError(`--account ${account}: not a GCP project id (6-30 lowercase letters, digits and hyphens, starting with a letter)`);
    const progress = new StepProgress(request.stderr, 'listed');
    const reader = new GcpStateReader({ clientConfig, onProgress: (step, done, total) => progress.update(step, done, total) });
    try {
      const { snapshot, failures } = await reader.capture({ cloud: 'gcp', account }, request.regions);
      if (failures.length === 0) return { snapshots: [snapshot], failures: [] };
      return { snapshots: [], failures: failures.map((f) => ({ account, error: `${f.region}: ${f.error}` })) };
    } finally {
      await reader.close();
    }
  } catch (error) {
    // The search itself failing (no permission on the organisation, an unreachable API): nothing captured.
    if (!(error instanceof NetdriftError) || error instanceof UsageError || error instanceof ConfigError) throw error;
    return { snapshots: [], failures: [{ account: request.assetScope ?? request.account ?? '', error: oneLine(error) }] };
  }
}
