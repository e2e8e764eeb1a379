import { awsAdapters } from '../../adapters/aws/index.js';
import { sinksFromConfig } from '../../alerts/sinks.js';
import { parseConfig, type Config, type ConfigInput } from '../../core/config.js';
import { Pipeline } from '../../core/pipeline.js';
import type { SnapshotStore, StateStore } from '../../core/ports.js';
import { alertPolicy } from '../../core/routing.js';
import type { Receiver } from '../support/receivers.js';
import { loadFixture } from '../support/fixtures.js';

/**
 * Drift events for the concurrency tests, from the CloudTrail fixtures: route tables in a baseline,
 * and CreateRoute events that each add a default route to the internet to one of them.
 */
export const ACCOUNT = '111122223333';

/** A baseline of `count` private route tables, `rtb-000` … (local route only). */
export function routeTablesBaseline(count: number) {
  return {
    schema: 'netdrift/snapshot@1',
    scope: { cloud: 'aws', account: ACCOUNT },
    capturedAt: '2026-11-25T00:00:00Z',
    resources: Array.from({ length: count }, (_, i) => ({
      kind: 'route-table', id: routeTable(i), region: 'eu-west-1', network: 'vpc-01',
      routes: [{ destination: '10.0.0.0/16', target: { type: 'local' } }], subnets: [`subnet-${i}`],
    })),
  };
}

export function routeTable(i: number): string {
  return `rtb-${String(i).padStart(3, '0')}`;
}

/** EventBridge's delivery of a CreateRoute: `0.0.0.0/0 → igw-0open` on `rtb-<i>` (a critical finding). */
export function defaultRouteEvent(i: number, run = 'run'): Record<string, unknown> {
  const detail = loadFixture('aws', 'cloudtrail', 'CreateRoute');
  detail.eventID = `5a43d7b7-${run}-${String(i).padStart(4, '0')}`;
  detail.requestParameters = { routeTableId: routeTable(i), destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0open' };
  return {
    version: '0', id: `eb-${String(detail.eventID)}`, 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2',
    account: ACCOUNT, time: detail.eventTime, region: 'eu-west-1', resources: [], detail,
  };
}

/** Slack and PagerDuty at the local receivers; `extra` for storms and the like. */
export function receiversConfig(slack: Receiver, pagerduty: Receiver, extra: Partial<ConfigInput> = {}): Config {
  return parseConfig({
    sinks: {
      slack: { webhookUrl: `${slack.url}/services/T0/B0/secret` },
      pagerduty: { routingKey: 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY00', url: `${pagerduty.url}/v2/enqueue` },
    },
    ...extra,
  });
}

/** One worker: its own pipeline on its own store connection, routing as the config says. */
export function workerPipeline(state: StateStore, snapshots: SnapshotStore, config: Config, claimLeaseMs?: number): Pipeline {
  return new Pipeline({
    adapters: awsAdapters, snapshots, state, ...alertPolicy(config), ...(claimLeaseMs === undefined ? {} : { claimLeaseMs }),
  });
}

export { sinksFromConfig };

/** The route table each Slack message and PagerDuty trigger is about, in the order they arrived. */
export function alertedTables(receiver: Receiver): string[] {
  return receiver.requests.map((r) => /rtb-\d{3}/.exec(r.text)?.[0] ?? '?');
}

export async function waitFor(condition: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
