import type { Context } from 'aws-lambda';
import { TransientError } from '../../core/errors.js';
import { saveCandidate } from '../../snapshots/lifecycle.js';
import { accountOf, captureAccount, type CaptureRequest } from './capture.js';
import { log } from '../shared/log.js';
import { awsRuntime } from './wiring.js';

export interface RefreshResult {
  account: string;
  resources: number;
  sha256: string;
  failures: { region: string; error: string }[];
  /** Where the candidate was written, as `netdrift snapshot diff|approve --store` takes it. */
  store: string;
}

/**
 * The refresh function: captures live state as the account's candidate snapshot, on demand or on
 * a schedule. The baseline changes only when a person approves the candidate. A capture that missed
 * a region fails the invocation (and saves nothing), so the schedule's retry and alarms see it.
 */
export function createRefreshHandler(environment: Record<string, string | undefined>) {
  const runtime = awsRuntime(environment);
  return async (request: CaptureRequest | undefined, context?: Context): Promise<RefreshResult> => {
    const deps = await runtime();
    const account = accountOf(request, context);
    const capture = await captureAccount(deps, account, request?.regions);
    // A partial capture approved as a baseline would drop the regions it missed: never save one.
    if (capture.failures.length > 0) {
      throw new TransientError(`candidate not saved: ${capture.failures.map((f) => `${f.region}: ${f.error}`).join('; ')}`);
    }
    const { sha256 } = await saveCandidate(deps.snapshots, capture.snapshot);
    log('info', 'candidate snapshot saved', { account, resources: capture.snapshot.resources.length, sha256 });
    const store = `s3://${deps.env.NETDRIFT_SNAPSHOT_BUCKET}/${deps.env.NETDRIFT_SNAPSHOT_PREFIX}`;
    return { account, resources: capture.snapshot.resources.length, sha256, failures: capture.failures, store };
  };
}
