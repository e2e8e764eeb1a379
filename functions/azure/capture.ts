import { captureWithResourceGraph } from '../../adapters/azure/index.js';
import { ConfigError, NetdriftError, oneLine } from '../../core/errors.js';
import type { Snapshot } from '../../core/snapshot.js';
import { log } from '../shared/log.js';
import type { AzureRuntime } from './wiring.js';

/** What `reconcile` and `refresh` are asked for: all optional (the timer sends nothing). */
export interface CaptureRequest {
  /** Subscriptions to capture; default NETDRIFT_SUBSCRIPTIONS (and NETDRIFT_MANAGEMENT_GROUP's). */
  subscriptions?: string[];
}

export interface Captured {
  snapshots: Snapshot[];
  failures: { subscription: string; error: string }[];
  /** The regions compared: those captured, `global` included; undefined: all. */
  covered?: string[];
}

/**
 * Captures the configured subscriptions through ARM with the managed identity, one by one; with
 * NETDRIFT_MANAGEMENT_GROUP, every subscription of the group through Azure Resource Graph (ids),
 * each resource read through ARM. A subscription that could not be read is a failure, logged;
 * the others are still captured.
 */
export async function captureSubscriptions(runtime: AzureRuntime, request: CaptureRequest = {}): Promise<Captured> {
  const asked = request.subscriptions?.map((s) => s.toLowerCase());
  const subscriptions = asked ?? runtime.subscriptions;
  const group = asked ? undefined : runtime.env.NETDRIFT_MANAGEMENT_GROUP;
  if (subscriptions.length === 0 && !group) throw new ConfigError('nothing to capture: set NETDRIFT_SUBSCRIPTIONS or NETDRIFT_MANAGEMENT_GROUP');
  const result: Captured = runtime.regions.length > 0 ? { snapshots: [], failures: [], covered: [...runtime.regions, 'global'] } : { snapshots: [], failures: [] };
  if (group) {
    const graph = await captureWithResourceGraph({ managementGroups: [group], subscriptions }, runtime.regions, { clientOptions: runtime.armOptions });
    result.snapshots.push(...graph.snapshots);
    result.failures.push(...graph.failures);
  } else {
    for (const subscription of subscriptions) {
      try {
        result.snapshots.push((await runtime.reader.capture({ cloud: 'azure', account: subscription }, runtime.regions)).snapshot);
      } catch (error) {
        if (!(error instanceof NetdriftError)) throw error;
        result.failures.push({ subscription, error: oneLine(error) });
      }
    }
  }
  for (const failure of result.failures) log('error', `capture of subscription ${failure.subscription} failed`, { error: failure.error });
  return result;
}
