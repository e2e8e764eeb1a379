import { stat } from 'node:fs/promises';
import type { StoredSnapshot } from '../../core/ports.js';
import type { Scope } from '../../core/resource.js';
import { checkBaselineApproval, readApproval } from '../../snapshots/approval.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';
import type { OpenedStore } from '../snapshot-store-url.js';
import { fail, failFrom, ok, skip, type Check } from './report.js';

/** An account with a baseline that passed its checks, and the regions it holds (where a reader is tried). */
export interface CheckedBaseline {
  scope: Scope;
  regions: string[];
}

export interface BaselineReport {
  checks: Check[];
  /** Every account the store lists, valid or not: the clouds whose readers are checked. */
  scopes: Scope[];
  baselines: CheckedBaseline[];
}

const CAPTURE_HINT = 'capture and approve one (netdrift snapshot capture --cloud C --account ID …, then netdrift snapshot approve)';

/** A folder store whose folder is missing lists nothing; say so instead of "no baselines". */
async function folderProblem(opened: OpenedStore): Promise<Check | undefined> {
  if (!(opened.store instanceof FilesystemSnapshotStore)) return undefined;
  const info = await stat(opened.store.dir).catch((error: unknown) => error as NodeJS.ErrnoException);
  const fix = `set baselines in the config (or --baseline DIR) to the folder that holds <cloud>/<account>.json, or ${CAPTURE_HINT}`;
  if (info instanceof Error) {
    return fail('snapshots', opened.url, info.code === 'ENOENT' ? `folder ${opened.store.dir} does not exist` : `cannot read folder ${opened.store.dir} (${info.code})`, fix);
  }
  return info.isDirectory() ? undefined : fail('snapshots', opened.url, `${opened.store.dir} is not a folder`, fix);
}

function describeBaseline(stored: StoredSnapshot, hmacKey: string | undefined): string {
  const approval = readApproval(stored.snapshot);
  const count = stored.snapshot.resources.length;
  const resources = `${count} resource${count === 1 ? '' : 's'}`;
  if (!approval) return `${resources}, no approval recorded (the pipeline uses it as it is; netdrift snapshot approve records its sha256)`;
  const by = approval.approvedBy ? ` by ${approval.approvedBy}` : '';
  return `${resources}, approved${by} at ${approval.approvedAt}, sha256 ${approval.sha256.slice(0, 12)}… matches${hmacKey === undefined ? '' : ', HMAC verified'}`;
}

async function checkBaseline(opened: OpenedStore, scope: Scope, hmacKey: string | undefined, storeArgs: string): Promise<{ check: Check; baseline?: CheckedBaseline }> {
  const name = `${scope.cloud}/${scope.account}`;
  let stored: StoredSnapshot | undefined;
  try {
    stored = await opened.store.get(scope, 'baseline');
  } catch (error) {
    return { check: failFrom('baseline', name, error, `correct or restore the baseline of ${name}`) };
  }
  const where = `--cloud ${scope.cloud} --account ${scope.account}${storeArgs}`;
  if (!stored) {
    return { check: fail('baseline', name, 'only a candidate, no approved baseline: its events are not checked', `review and approve it: netdrift snapshot diff ${where}, then netdrift snapshot approve ${where}`) };
  }
  try {
    // DESIGN.md, "Trust": the same check the pipeline runs before it uses a baseline.
    checkBaselineApproval(stored, hmacKey);
  } catch (error) {
    return { check: failFrom('baseline', name, error, `restore the approved version, or approve a new one (netdrift snapshot approve ${where})`) };
  }
  const regions = [...new Set(stored.snapshot.resources.map((resource) => resource.region).filter((region) => region !== 'global'))].sort();
  return { check: ok('baseline', name, describeBaseline(stored, hmacKey)), baseline: { scope, regions } };
}

/**
 * The snapshot store lists its accounts, and each account's baseline is present, parses, is kept
 * under its own scope and matches its approval (sha256, and the HMAC with a key): what the pipeline
 * checks before it trusts one. `storeArgs` (` --store URL`) goes into the commands a fix names.
 */
export async function checkBaselines(opened: OpenedStore, hmacKey: string | undefined, storeArgs = ''): Promise<BaselineReport> {
  const problem = await folderProblem(opened);
  if (problem) return { checks: [problem, skip('baseline', undefined, 'not checked: the snapshot store cannot be read')], scopes: [], baselines: [] };
  let scopes: Scope[];
  try {
    scopes = await opened.store.list();
  } catch (error) {
    return { checks: [failFrom('snapshots', opened.url, error, 'check the store exists and these credentials may list it'), skip('baseline', undefined, 'not checked: the snapshot store cannot be listed')], scopes: [], baselines: [] };
  }
  const listed = ok('snapshots', opened.url, `${scopes.length} account${scopes.length === 1 ? '' : 's'}`);
  if (scopes.length === 0) return { checks: [listed, fail('baseline', undefined, `none in ${opened.url}: no event can be checked`, CAPTURE_HINT)], scopes, baselines: [] };
  const results = await Promise.all(scopes.map((scope) => checkBaseline(opened, scope, hmacKey, storeArgs)));
  return {
    checks: [listed, ...results.map((r) => r.check)],
    scopes,
    baselines: results.flatMap((r) => (r.baseline ? [r.baseline] : [])),
  };
}
