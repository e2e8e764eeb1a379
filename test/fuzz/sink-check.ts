import { deliverOutbox } from '../../alerts/deliver.js';
import { sinksFromConfig } from '../../alerts/sinks.js';
import { ConfigSchema } from '../../core/config.js';
import type { Pipeline } from '../../core/pipeline.js';
import type { Cloud } from '../../core/resource.js';
import type { StateStore } from '../../core/ports.js';
import { startPagerDutyReceiver, startReceiver, startSlackReceiver, type Receiver } from '../support/receivers.js';
import type { Doc } from '../support/fixtures.js';
import { ENVELOPES, goodRecord } from './fuzz-inputs.js';

/** Local stand-ins for every sink the fuzz pipeline routes to. */
export async function startSinkReceivers(): Promise<Record<'slack' | 'pagerduty' | 'webhook', Receiver>> {
  return { slack: await startSlackReceiver(), pagerduty: await startPagerDutyReceiver(), webhook: await startReceiver({ status: 200, body: 'ok' }) };
}

/** The sinks' configuration, pointed at the receivers (what a user writes in netdrift.yaml). */
export function sinkConfig(receivers: Record<'slack' | 'pagerduty' | 'webhook', Receiver>) {
  return {
    sinks: {
      slack: { webhookUrl: receivers.slack.url },
      pagerduty: { routingKey: 'R0UTINGKEY0000000000000000000000', url: `${receivers.pagerduty.url}/v2/enqueue`, minSeverity: 'info' },
      webhook: { url: receivers.webhook.url, secret: 'fuzz-webhook-secret-0001' },
    },
  };
}

/** A normal event of `cloud` by a principal no fuzz input has, so that its alert is its own message, not part of a storm. */
export function normalEvent(cloud: Cloud, n: number): { raw: unknown; token: string } {
  const good = goodRecord(cloud, n);
  const record: Doc = good.record;
  if (cloud === 'aws') (record.userIdentity as Doc).arn = 'arn:aws:sts::111122223333:assumed-role/Ops/normal-user';
  if (cloud === 'azure') {
    const claims = (record.data as Doc).claims as Doc;
    for (const key of Object.keys(claims)) if (/upn|name$/.test(key)) claims[key] = 'normal-user@contoso.com';
  }
  if (cloud === 'gcp') ((record.protoPayload as Doc).authenticationInfo as Doc).principalEmail = 'normal-user@acme.example';
  const envelope = ENVELOPES[cloud][0];
  if (!envelope) throw new Error(`no envelope for ${cloud}`);
  const token = good.resource.split('/').pop() ?? good.resource;
  return { raw: envelope.wrap([record], (value) => JSON.stringify(value)), token };
}

/**
 * After a fuzz run: a normal event still opens its finding and its alert reaches every sink, sent
 * by the ordinary delivery passes over an outbox that holds whatever the fuzz inputs left there.
 * Returns how many passes and sends it took, for the summary.
 */
export async function normalEventReachesEverySink(cloud: Cloud, pipeline: Pipeline, state: StateStore): Promise<string> {
  const receivers = await startSinkReceivers();
  try {
    const sinks = sinksFromConfig(ConfigSchema.parse(sinkConfig(receivers)), { timeoutMs: 2_000 });
    const normal = normalEvent(cloud, 9_000_000);
    const outcome = await pipeline.handle(normal.raw);
    if (!outcome.records.some((r) => r.status === 'applied' && r.opened.length > 0)) {
      throw new Error(`the normal ${cloud} event opened nothing: ${JSON.stringify(outcome.records.map((r) => [r.status, r.reason]))}`);
    }
    const fast = { count: 100_000, intervalMs: 1_000 };
    const reached = () => Object.values(receivers).every((r) => r.requests.some((q) => q.text.includes(normal.token)));
    let passes = 0;
    let sent = 0;
    let rejected = 0;
    while (!reached() && passes < 20) {
      const report = await deliverOutbox(state, sinks, {
        limit: 100_000, rateLimits: { slack: fast, pagerduty: fast, webhook: fast }, storm: { threshold: 2, windowMs: 3_600_000 }, groupsStorms: () => true,
      });
      passes += 1;
      sent += report.sent;
      rejected += report.failed.filter((f) => !f.retryable).length;
    }
    const missing = Object.entries(receivers).filter(([, r]) => !r.requests.some((q) => q.text.includes(normal.token))).map(([name]) => name);
    if (missing.length > 0) throw new Error(`after ${passes} delivery passes, no alert for ${normal.token} on ${missing.join(', ')}`);
    return `normal ${cloud} event alerted on slack, pagerduty and webhook after ${passes} pass(es), ${sent} outbox entries sent, ${rejected} rejected`;
  } finally {
    await Promise.all(Object.values(receivers).map((r) => r.close()));
  }
}
