import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../../adapters/local/sqlite-state-store.js';
import { addReport, emptyReport, type DeliverOptions } from '../../alerts/deliver.js';
import { OutboxDelivery } from '../../alerts/outbox-delivery.js';
import { sinksFromConfig } from '../../alerts/sinks.js';
import { parseConfig } from '../../core/config.js';
import type { Finding } from '../../core/finding.js';
import type { AlertSink } from '../../core/ports.js';
import { startPagerDutyReceiver, startSlackReceiver, type Receiver } from '../support/receivers.js';
import { openFinding } from './finding-fixture.js';

let slack: Receiver;
let pagerduty: Receiver;
let store: SqliteStateStore;
beforeEach(async () => {
  slack = await startSlackReceiver();
  pagerduty = await startPagerDutyReceiver();
  store = new SqliteStateStore(':memory:');
});
afterEach(async () => {
  await slack.close();
  await pagerduty.close();
  await store.close();
});

function findingOn(resource: string): Finding {
  return { ...structuredClone(openFinding()), resource, fingerprint: resource.padEnd(32, '0').slice(0, 32), summary: `0.0.0.0/0 → igw on ${resource}` };
}

/** The configured sinks, Slack's `build` throwing for one resource as a bug would (a console link it cannot encode). */
function sinksWithPoison(poisoned: string): Map<string, AlertSink> {
  const sinks = sinksFromConfig(parseConfig({
    sinks: { slack: { webhookUrl: `${slack.url}/services/T0/B0/x` }, pagerduty: { routingKey: 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY00', url: `${pagerduty.url}/v2/enqueue` } },
  }));
  const real = sinks.get('slack') as AlertSink;
  sinks.set('slack', {
    name: real.name, rateLimit: real.rateLimit, send: (payload) => real.send(payload),
    build: (finding) => {
      if (finding.resource === poisoned) throw new URIError('URI malformed');
      return real.build(finding);
    },
  });
  return sinks;
}

/** Room for several Slack messages a second, so that one pass shows what happens to the entries after the poison. */
const OPTIONS: DeliverOptions = {
  retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3, maxTransientAttempts: 50, maxWaitMs: 5_000 },
  rateLimits: { slack: { count: 10, intervalMs: 1000 } },
};

describe('an entry that cannot be built', () => {
  it('fails only itself: the entries after it and the other sinks go on, and it ends rejected after bounded attempts, redrivable', async () => {
    const [before, poison, after] = [findingOn('rtb-before'), findingOn('rtb-poison'), findingOn('rtb-after')];
    for (const finding of [before, poison, after]) {
      await store.commit({ processed: [], observed: [], findings: [finding], outbox: [{ sink: 'slack', finding }, { sink: 'pagerduty', finding }] });
    }
    const delivery = new OutboxDelivery(store, sinksWithPoison('rtb-poison'), OPTIONS);

    const first = await delivery.pass();
    const total = addReport(emptyReport(), first);
    for (const deadline = Date.now() + 5_000; (await store.listOutbox({ state: 'pending' })).length > 0 && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      addReport(total, await delivery.pass());
    }
    const [rejected] = await store.listOutbox({ state: 'rejected' });

    expect(first).toMatchObject({ sent: 5, failed: [{ sink: 'slack', fingerprint: poison.fingerprint, retryable: true }] });
    expect(slack.requests.map((r) => /rtb-\w+/.exec(r.text)?.[0])).toEqual(['rtb-before', 'rtb-after']);
    expect(pagerduty.requests.map((r) => (r.body as { payload: { component: string } }).payload.component)).toEqual(['rtb-before', 'rtb-poison', 'rtb-after']);
    expect(total.failed).toHaveLength(3);
    expect(rejected).toMatchObject({
      sink: 'slack', attempts: 3, finding: { resource: 'rtb-poison' },
      lastError: 'slack: building the alert failed: URI malformed (rejected after 3 attempts)',
    });
    expect(await store.listOutbox({ state: 'pending' })).toEqual([]);
    expect(await store.redriveOutbox()).toBe(1);
  });
});
