import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awsAdapters } from '../../adapters/aws/index.js';
import { SqliteStateStore } from '../../adapters/local/sqlite-state-store.js';
import { OutboxDelivery } from '../../alerts/outbox-delivery.js';
import { deliveryOptionsFromConfig, sinksFromConfig } from '../../alerts/sinks.js';
import { parseConfig } from '../../core/config.js';
import { Pipeline } from '../../core/pipeline.js';
import type { AlertSink } from '../../core/ports.js';
import { alertPolicy } from '../../core/routing.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';
import { loadFixture } from '../support/fixtures.js';
import { startPagerDutyReceiver, startSlackReceiver, type Receiver } from '../support/receivers.js';

const BURST = 500;
const ZONE = 'Z0123456789ABCDEFGHIJ';
/** PagerDuty's 120 events a minute, its window scaled to a second so the test runs in seconds. */
const PAGERDUTY_LIMIT = { count: 120, intervalMs: 1_000 };
const SLACK_LIMIT = { count: 1, intervalMs: 1_000 };
/**
 * How late a send may start after its slot: a lane takes its slots, then builds and starts the sends
 * of its batch one after another, so on a loaded machine the first batch's last send starts up to
 * ~100 ms after its slot (seen at 88 ms with the other core busy). A limit broken by one extra send
 * a window would show as a window hundreds of milliseconds short.
 */
const JITTER_MS = 120;

let dir: string;
let slack: Receiver;
let pagerduty: Receiver;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netdrift-burst-'));
  slack = await startSlackReceiver();
  pagerduty = await startPagerDutyReceiver();
});
afterEach(async () => {
  await slack.close();
  await pagerduty.close();
  await rm(dir, { recursive: true, force: true });
});

/** One Route 53 change batch adding `count` A records to a private zone: `count` findings from one event. */
function burstEvent(count: number): Record<string, unknown> {
  const detail = loadFixture('aws', 'cloudtrail', 'ChangeResourceRecordSets');
  detail.requestParameters = {
    hostedZoneId: ZONE,
    changeBatch: {
      changes: Array.from({ length: count }, (_, i) => ({
        action: 'CREATE', resourceRecordSet: { name: `host-${i}.internal.example.com.`, type: 'A', tTL: 60, resourceRecords: [{ value: `10.9.${Math.floor(i / 250)}.${i % 250}` }] },
      })),
    },
  };
  return {
    version: '0', id: 'eb-burst', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.route53',
    account: '111122223333', time: detail.eventTime, region: 'us-east-1', resources: [], detail,
  };
}

/** Each send's start time, as the limit sees it (the receivers add network jitter to arrival times). */
function timed(sink: AlertSink, sentAt: number[]): AlertSink {
  return { ...sink, name: sink.name, rateLimit: sink.rateLimit, build: (f) => sink.build(f), buildGroup: sink.buildGroup?.bind(sink), send: async (p) => { sentAt.push(Date.now()); await sink.send(p); } };
}

/** The shortest span of `count + 1` consecutive times (Infinity when there are not that many): the limit holds when it is at least the interval. */
function worstWindow(times: readonly number[], limit: { count: number; intervalMs: number }): number {
  let worst = Infinity;
  for (let i = limit.count; i < times.length; i += 1) worst = Math.min(worst, (times[i] ?? 0) - (times[i - limit.count] ?? 0));
  return worst;
}

describe(`a burst of ${BURST} findings from one event`, () => {
  it('completes its invocation without waiting for rate limits; a drain loop delivers every alert within the limits', async () => {
    const snapshots = new FilesystemSnapshotStore(join(dir, 'baselines'));
    await snapshots.put({ cloud: 'aws', account: '111122223333' }, 'baseline', {
      schema: 'netdrift/snapshot@1', scope: { cloud: 'aws', account: '111122223333' }, capturedAt: '2026-11-25T00:00:00Z',
      resources: [{ kind: 'dns-zone', id: ZONE, region: 'global', name: 'internal.example.com.', private: true, networks: ['vpc-01'], records: [] }],
    } as never);
    const config = parseConfig({
      sinks: {
        slack: { webhookUrl: `${slack.url}/services/T0/B0/x` },
        pagerduty: { routingKey: 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY00', url: `${pagerduty.url}/v2/enqueue`, minSeverity: 'medium' },
      },
      // One incident per finding: the PagerDuty lane's rate limit is what this test is about (a storm is one incident by default).
      storm: { pagerDuty: 'per-finding' },
    });
    const sent = { slack: [] as number[], pagerduty: [] as number[] };
    const sinks = sinksFromConfig(config);
    for (const name of ['slack', 'pagerduty'] as const) sinks.set(name, timed(sinks.get(name) as AlertSink, sent[name]));
    const state = new SqliteStateStore(join(dir, 'state.sqlite'));
    const pipeline = new Pipeline({ adapters: awsAdapters, snapshots, state, ...alertPolicy(config) });
    const delivery = new OutboxDelivery(state, sinks, { ...deliveryOptionsFromConfig(config), rateLimits: { slack: SLACK_LIMIT, pagerduty: PAGERDUTY_LIMIT } });
    try {
      const started = performance.now();
      const outcome = await pipeline.handle(burstEvent(BURST));
      const handledMs = performance.now() - started;
      const invocation = await delivery.pass();
      const invocationMs = performance.now() - started;
      const left = (await state.listOutbox({ state: 'pending' })).length;
      const sentInInvocation = slack.requests.length;
      const drained = await delivery.drain();

      console.info(`burst of ${BURST}: handle ${Math.round(handledMs)} ms + one pass = ${Math.round(invocationMs)} ms (${invocation.sent} sent, ${left} left for later); `
        + `drained in ${sent.pagerduty.length ? Math.round((sent.pagerduty.at(-1) ?? 0) - (sent.pagerduty[0] ?? 0)) : 0} ms, ${slack.requests.length} Slack messages`);
      expect(outcome.records).toMatchObject([{ status: 'applied' }]);
      expect(outcome.records[0]?.opened).toHaveLength(BURST);
      // Waiting for the limits would take minutes (PagerDuty's real 120 a minute) and 5 s here; the
      // invocation sends one storm message and one lane batch. Under a second on a quiet machine; the
      // bound leaves room for a loaded CI box.
      expect(invocationMs).toBeLessThan(2_000);
      expect(invocation.sent).toBe(BURST + 20);
      expect(sentInInvocation).toBe(1);
      expect(left).toBeGreaterThan(0);
      expect(invocation.sent + drained.sent).toBe(2 * BURST);
      expect(await state.listOutbox()).toEqual([]);
      expect(new Set(pagerduty.requests.map((r) => (r.body as { dedup_key: string }).dedup_key)).size).toBe(BURST);
      expect(pagerduty.requests).toHaveLength(BURST);
      // Storms: Slack gets a few messages, together naming every finding.
      expect(slack.requests.length).toBeLessThanOrEqual(10);
      expect(slack.requests.map((r) => Number(/(\d+) findings/.exec(r.text)?.[1] ?? 0)).reduce((a, b) => a + b, 0)).toBe(BURST);
      // The limit holds at the slots; each send starts a few milliseconds after its slot, hence the jitter allowed.
      expect(worstWindow(sent.pagerduty, PAGERDUTY_LIMIT)).toBeGreaterThanOrEqual(PAGERDUTY_LIMIT.intervalMs - JITTER_MS);
      expect(worstWindow(sent.slack, SLACK_LIMIT)).toBeGreaterThanOrEqual(SLACK_LIMIT.intervalMs - JITTER_MS);
    } finally {
      await state.close();
    }
  }, 60_000);
});
