import type { Context } from 'aws-lambda';
import { snapshotSha256 } from '../../snapshots/canonical.js';
import { saveCandidate } from '../../snapshots/lifecycle.js';
import { accountOf, captureAccount, type CaptureRequest } from './capture.js';
import { log } from './log.js';
import { awsRuntime } from './wiring.js';

export interface RefreshResult {
  account: string;
  resources: number;
  sha256: string;
  failures: { region: string; error: string }[];
}

/**
 * The refresh function: captures live state as the account's candidate snapshot, on demand or on
 * a schedule. The baseline changes only when a person approves the candidate.
 */
export function createRefreshHandler(environment: Record<string, string | undefined>) {
  const runtime = awsRuntime(environment);
  return async (request: CaptureRequest | undefined, context?: Context): Promise<RefreshResult> => {
    const deps = await runtime();
    const account = accountOf(request, context);
    const capture = await captureAccount(deps, account, request?.regions);
    await saveCandidate(deps.snapshots, capture.snapshot);
    const sha256 = snapshotSha256(capture.snapshot);
    log('info', 'candidate snapshot saved', { account, resources: capture.snapshot.resources.length, sha256 });
    return { account, resources: capture.snapshot.resources.length, sha256, failures: capture.failures };
  };
}
