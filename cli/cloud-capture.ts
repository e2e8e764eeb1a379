import { ConfigError, NetdriftError, oneLine } from '../core/errors.js';
import type { CaptureTarget, SnapshotStore } from '../core/ports.js';
import type { Resource, Scope } from '../core/resource.js';
import { emptySnapshot } from '../core/snapshot.js';
import { CaptureSink } from '../snapshots/capture-sink.js';
import { FilesystemSnapshotStore } from '../snapshots/fs-store.js';
import { saveCandidate } from '../snapshots/lifecycle.js';
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
  /** Where each account read whole is saved as its candidate. */
  store: SnapshotStore;
}

/** What was saved of an account read whole. */
export interface SavedAccount {
  account: string;
  resources: number;
  sha256: string;
}

/** The candidates saved (in the order the accounts were read) and the accounts that could not be read whole (none saved). */
export interface CloudCaptureOutcome {
  saved: SavedAccount[];
  failures: { account: string; error: string }[];
}

/** Resources a folder's capture sink takes per run file: few runs to merge, a bounded batch in memory. */
const RUN_RESOURCES = 5_000;

/**
 * An account's candidate as it is read: into a folder, through a capture sink (memory holds one batch);
 * into any other store, a snapshot gathered in memory and saved whole.
 */
function candidateTarget(store: SnapshotStore, scope: Scope, capturedAt: string, saved: SavedAccount[]): CaptureTarget {
  const pending: Resource[] = [];
  const sink = store instanceof FilesystemSnapshotStore ? new CaptureSink(store, scope, capturedAt) : undefined;
  const flush = async () => {
    if (sink) await sink.add(pending.splice(0));
  };
  return {
    async add(resources) {
      for (const resource of resources) pending.push(resource);
      if (pending.length >= RUN_RESOURCES) await flush();
    },
    async finish() {
      if (sink) {
        await flush();
        const written = await sink.finish();
        saved.push({ account: scope.account, resources: written.resources, sha256: written.sha256 });
        return;
      }
      const snapshot = emptySnapshot(scope, capturedAt);
      snapshot.resources = pending;
      const { sha256 } = await saveCandidate(store, snapshot);
      saved.push({ account: scope.account, resources: pending.length, sha256 });
    },
    async discard() {
      pending.length = 0;
      await sink?.discard();
    },
  };
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
  const saved: SavedAccount[] = [];
  if (request.managementGroup !== undefined) {
    if (!MANAGEMENT_GROUP.test(request.managementGroup)) throw new UsageError(`--management-group ${request.managementGroup}: not a management group name (up to 90 letters, digits, - _ ( ) .)`);
    const progress = new StepProgress(request.stderr, 'captured subscription');
    const result = await azure.captureWithResourceGraph({ managementGroups: [request.managementGroup] }, request.regions, {
      clientOptions, onSubscription: (subscription, done, total) => progress.update(subscription, done, total),
      target: (subscription, capturedAt) => candidateTarget(request.store, { cloud: 'azure', account: subscription }, capturedAt, saved),
    });
    return { saved, failures: result.failures.map((f) => ({ account: f.subscription, error: f.error })) };
  }
  const account = request.account ?? '';
  const progress = new StepProgress(request.stderr, 'listed');
  const reader = azure.azureStateReader({
    clientOptions, onProgress: (type, done, total, found) => progress.update(`${type}: ${found}`, done, total),
  });
  // ARM ids compare case-insensitively; the candidate is kept under the lower-cased subscription id.
  const target = candidateTarget(request.store, { cloud: 'azure', account: account.toLowerCase() }, new Date().toISOString(), saved);
  try {
    await reader.captureInto({ cloud: 'azure', account }, request.regions, (resources) => target.add(resources));
  } catch (error) {
    await target.discard();
    // A type that cannot be listed fails the whole subscription: a partial capture would read as deletions.
    if (!(error instanceof NetdriftError) || error instanceof ConfigError) throw error;
    return { saved, failures: [{ account, error: oneLine(error) }] };
  }
  await target.finish();
  return { saved, failures: [] };
}

async function captureGcp(request: CloudCaptureRequest): Promise<CloudCaptureOutcome> {
  const clientConfig = await gcpClientConfig(request.endpoint, request.env);
  const [{ GcpStateReader }, { captureThroughAssets }] = await Promise.all([
    import('../adapters/gcp/gcp-state-reader.js'), import('../adapters/gcp/asset-capture.js'),
  ]);
  const saved: SavedAccount[] = [];
  const targetOf = (project: string, capturedAt: string) => candidateTarget(request.store, { cloud: 'gcp', account: project }, capturedAt, saved);
  try {
    if (request.assetScope !== undefined) {
      // Loaded before the search, not after it: the connection the search leaves open must not sit idle
      // for the seconds the Compute library takes to load (a server may close it meanwhile: ECONNRESET).
      await import('@google-cloud/compute');
      const progress = new StepProgress(request.stderr, 'captured project');
      const reader = new GcpStateReader({ clientConfig });
      try {
        const result = await captureThroughAssets(reader, {
          scope: request.assetScope, regions: request.regions, clientConfig, target: targetOf,
          onProgress: (project, done, total) => progress.update(project, done, total),
        });
        return { saved, failures: result.failures.map((f) => ({ account: f.project, error: f.error })) };
      } finally {
        await reader.close();
      }
    }
    const account = request.account ?? '';
    if (!PROJECT_ID.test(account)) throw new UsageError(`--account ${account}: not a GCP project id (6-30 lowercase letters, digits and hyphens, starting with a letter)`);
    const progress = new StepProgress(request.stderr, 'listed');
    const reader = new GcpStateReader({ clientConfig, onProgress: (step, done, total) => progress.update(step, done, total) });
    const target = targetOf(account, new Date().toISOString());
    try {
      const failures = await reader.captureInto({ cloud: 'gcp', account }, request.regions, (resources) => target.add(resources));
      if (failures.length > 0) {
        await target.discard();
        return { saved, failures: failures.map((f) => ({ account, error: `${f.region}: ${f.error}` })) };
      }
    } catch (error) {
      await target.discard();
      throw error;
    } finally {
      await reader.close();
    }
    await target.finish();
    return { saved, failures: [] };
  } catch (error) {
    // The search itself failing (no permission on the organisation, an unreachable API): nothing captured.
    if (!(error instanceof NetdriftError) || error instanceof UsageError || error instanceof ConfigError) throw error;
    return { saved, failures: [{ account: request.assetScope ?? request.account ?? '', error: oneLine(error) }] };
  }
}
