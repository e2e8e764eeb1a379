import type { Context } from 'aws-lambda';
import { accountOf, captureAccount, type CaptureRequest } from './capture.js';
import { log } from '../shared/log.js';
import { awsRuntime } from './wiring.js';

export interface ReconcileResult {
  account: string;
  compared: boolean;
  opened: number;
  resolved: number;
  failures: { region: string; error: string }[];
}

/**
 * The reconcile function (scheduled): a full capture diffed against the baseline, so drift that
 * no event reported (CloudTrail → EventBridge is best effort) is found within one interval.
 * Regions the capture could not read are left as they were.
 */
export function createReconcileHandler(environment: Record<string, string | undefined>) {
  const runtime = awsRuntime(environment);
  return async (request: CaptureRequest | undefined, context?: Context): Promise<ReconcileResult> => {
    const deps = await runtime();
    const account = accountOf(request, context);
    const capture = await captureAccount(deps, account, request?.regions);
    const outcome = await deps.pipeline.reconcile(capture.snapshot, { regions: capture.covered });
    for (const f of [...outcome.opened, ...outcome.resolved]) log('info', `${f.status} ${f.rule}`, { severity: f.severity, resource: f.resource, fingerprint: f.fingerprint });
    await deps.deliver();
    return { account, compared: outcome.compared, opened: outcome.opened.length, resolved: outcome.resolved.length, failures: capture.failures };
  };
}
