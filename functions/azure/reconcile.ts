import type { InvocationContext, Timer } from '@azure/functions';
import { log } from '../shared/log.js';
import { captureSubscriptions } from './capture.js';
import { azureRuntime } from './wiring.js';

export interface ReconcileResult {
  subscriptions: { subscription: string; compared: boolean; opened: number; resolved: number }[];
  failures: { subscription: string; error: string }[];
}

/**
 * The reconcile timer (NCRONTAB in NETDRIFT_RECONCILE_SCHEDULE): each configured subscription is
 * captured and diffed against its baseline, so drift no event reported (Event Grid delivery is
 * best effort, a subscription filter may miss an operation) is found within one interval. A
 * subscription that could not be captured is left as it was; the invocation then fails, so the
 * failure shows in the app's monitoring.
 */
export function createReconcileHandler(environment: Record<string, string | undefined>, runtime = azureRuntime(environment)) {
  return async (timer: Timer, context: InvocationContext): Promise<ReconcileResult> => {
    const deps = await runtime();
    if (timer.isPastDue) log('warn', 'reconcile: the timer is past due', { invocationId: context.invocationId });
    const captured = await captureSubscriptions(deps);
    const result: ReconcileResult = { subscriptions: [], failures: captured.failures };
    for (const snapshot of captured.snapshots) {
      const outcome = await deps.pipeline.reconcile(snapshot, captured.covered ? { regions: captured.covered } : {});
      for (const f of [...outcome.opened, ...outcome.resolved]) log('info', `${f.status} ${f.rule}`, { severity: f.severity, resource: f.resource, fingerprint: f.fingerprint });
      result.subscriptions.push({ subscription: snapshot.scope.account, compared: outcome.compared, opened: outcome.opened.length, resolved: outcome.resolved.length });
    }
    await deps.deliver();
    log('info', 'reconcile done', { ...result });
    if (captured.failures.length > 0) throw new Error(`reconcile: ${captured.failures.length} subscription(s) not captured: ${captured.failures.map((f) => f.subscription).join(', ')}`);
    return result;
  };
}
