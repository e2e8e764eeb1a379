import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../../adapters/local/sqlite-state-store.js';
import { addReport, deliverOutbox, emptyReport, type DeliverOptions } from '../../alerts/deliver.js';
import { OutboxDelivery } from '../../alerts/outbox-delivery.js';
import { deliveryOptionsFromConfig, sinksFromConfig } from '../../alerts/sinks.js';
import { parseConfig, type ConfigInput } from '../../core/config.js';
import type { Finding } from '../../core/finding.js';
import type { AlertSink } from '../../core/ports.js';
import { startPagerDutyReceiver, startSlackReceiver, type Receiver } from '../support/receivers.js';
import { openFinding, resolvedFinding } from './finding-fixture.js';

const SLACK_PATH = '/services/T0AAAAAAA/B0BBBBBBB/s3cr3tW3bh00kT0k3n';
const ROUTING_KEY = 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY00';

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

function config(extra: Partial<ConfigInput> = {}) {
  return parseConfig({
    sinks: { slack: { webhookUrl: `${slack.url}${SLACK_PATH}` }, pagerduty: { routingKey: ROUTING_KEY, url: `${pagerduty.url}/v2/enqueue` } },
    ...extra,
  });
}

function findingNo(n: number, base: Finding = openFinding()): Finding {
  return { ...structuredClone(base), fingerprint: n.toString(16).padStart(32, '0'), item: `10.${n}.0.0/16`, summary: `route 10.${n}.0.0/16 added` };
}

async function queue(sinks: string[], ...findings: Finding[]): Promise<void> {
  for (const finding of findings) {
    await store.commit({ processed: [], observed: [], findings: [finding], outbox: sinks.map((sink) => ({ sink, finding })) });
  }
}

/** Fast retries for tests; Retry-After and the sinks' rate limits still honoured in real time. */
const FAST: DeliverOptions = { retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3, maxTransientAttempts: 50, maxWaitMs: 5_000 } };

/** Passes until everything due within a few seconds is sent (what `outbox redrive` and `replay --send` do). */
function drain(sinks: ReadonlyMap<string, AlertSink>, options: DeliverOptions = FAST) {
  return new OutboxDelivery(store, sinks, options).drain();
}

describe('delivery through the outbox', () => {
  it('delivers and removes each entry, a resolve after its trigger', async () => {
    const sinks = sinksFromConfig(config());
    await queue(['slack', 'pagerduty'], openFinding(), resolvedFinding());

    const report = await drain(sinks);

    expect(report).toMatchObject({ sent: 4, failed: [], deferred: 0 });
    // What each log line of a sent alert says (functions/shared/runtime.ts, serve): no payload, no secret.
    const fingerprint = openFinding().fingerprint;
    expect(report.delivered.map((a) => ({ ...a })).sort((a, b) => a.sink.localeCompare(b.sink) || a.status.localeCompare(b.status))).toEqual([
      { sink: 'pagerduty', rule: 'route.default-added', fingerprint, severity: 'critical', status: 'open', findings: 1 },
      { sink: 'pagerduty', rule: 'route.default-added', fingerprint, severity: 'critical', status: 'resolved', findings: 1 },
      { sink: 'slack', rule: 'route.default-added', fingerprint, severity: 'critical', status: 'open', findings: 1 },
      { sink: 'slack', rule: 'route.default-added', fingerprint, severity: 'critical', status: 'resolved', findings: 1 },
    ]);
    expect(pagerduty.requests.map((r) => (r.body as { event_action: string }).event_action)).toEqual(['trigger', 'resolve']);
    expect(slack.requests.map((r) => (r.body as { text: string }).text.split(':')[0])).toEqual(['[CRITICAL] route.default-added', 'Resolved']);
    expect(await store.listOutbox()).toEqual([]);
  });

  it('rides out an outage over several passes: 503s, then 429 with Retry-After, then every alert exactly once, in order, Retry-After respected', async () => {
    const sinks = sinksFromConfig(config());
    slack.respondWith({ status: 503, body: 'unavailable' }, { status: 503, body: 'unavailable' }, { status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' });
    pagerduty.respondWith({ status: 500, body: { status: 'error' } }, { status: 429, headers: { 'retry-after': '1' }, body: { status: 'throttled' } });
    await queue(['slack', 'pagerduty'], openFinding(), resolvedFinding());

    // As serve's loop does: a pass every few tens of milliseconds until the outbox is empty.
    const delivery = new OutboxDelivery(store, sinks, FAST);
    const report = emptyReport();
    for (const deadline = Date.now() + 20_000; (await store.listOutbox()).length > 0 && Date.now() < deadline;) {
      addReport(report, await delivery.pass());
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    expect(report).toMatchObject({ sent: 4 });
    // Each failed try was one pass's, recorded on the entry and retried by a later pass.
    expect(report.failed.filter((f) => f.sink === 'slack' && f.retryable)).toHaveLength(3);
    expect(report.failed.filter((f) => f.sink === 'pagerduty' && f.retryable)).toHaveLength(2);
    // Failed attempts reached the receivers too; what each finally accepted is one trigger, then one resolve.
    expect(slack.requests.slice(3).map((r) => (r.body as { text: string }).text.split(':')[0])).toEqual(['[CRITICAL] route.default-added', 'Resolved']);
    expect(pagerduty.requests.slice(2).map((r) => (r.body as { event_action: string }).event_action)).toEqual(['trigger', 'resolve']);
    // The 429 said one second: the next try waited for it.
    expect((slack.requests[3]?.receivedAt ?? 0) - (slack.requests[2]?.receivedAt ?? 0)).toBeGreaterThanOrEqual(950);
    expect((pagerduty.requests[2]?.receivedAt ?? 0) - (pagerduty.requests[1]?.receivedAt ?? 0)).toBeGreaterThanOrEqual(950);
    expect(await store.listOutbox()).toEqual([]);
  }, 30_000);

  it('keeps an alert the sink could not take for a later pass, due after its Retry-After', async () => {
    const sinks = sinksFromConfig(config());
    slack.respondWith({ status: 429, headers: { 'retry-after': '120' }, body: 'rate_limited' });
    await queue(['slack'], openFinding());

    const report = await deliverOutbox(store, sinks, FAST);
    const [entry] = await store.listOutbox();

    expect(report.failed).toMatchObject([{ sink: 'slack', retryable: true, retryAfterMs: 120_000 }]);
    expect(entry).toMatchObject({ state: 'pending', attempts: 1 });
    expect(Date.parse(entry?.nextAttemptAt ?? '') - Date.now()).toBeGreaterThan(100_000);
    expect(await store.pendingOutbox()).toEqual([]);
  });

  it('reports a 400 with the sink\'s error text, never retries it, and keeps it rejected for redrive', async () => {
    const sinks = sinksFromConfig(config());
    slack.respondWith({ status: 400, body: 'invalid_blocks' });
    await queue(['slack'], openFinding());

    const report = await deliverOutbox(store, sinks, FAST);

    expect(slack.requests).toHaveLength(1);
    expect(report.failed).toMatchObject([{ sink: 'slack', retryable: false }]);
    expect(report.failed[0]?.error).toContain('invalid_blocks');
    expect(await store.listOutbox({ state: 'rejected' })).toHaveLength(1);
    expect(await store.redriveOutbox()).toBe(1);
    expect(await drain(sinks)).toMatchObject({ sent: 1, failed: [] });
    expect(slack.requests).toHaveLength(2);
  });

  it('never lets a resolve overtake its trigger', async () => {
    const sinks = sinksFromConfig(config());
    pagerduty.respondWith({ status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors: ['Length of \'summary\' is incorrect'] } });
    await queue(['pagerduty'], openFinding(), resolvedFinding());

    const report = await deliverOutbox(store, sinks, FAST);

    expect(report).toMatchObject({ sent: 0, deferred: 1 });
    expect(pagerduty.requests).toHaveLength(1);
  });

  it('fails an entry for a sink that is not configured, naming it', async () => {
    await queue(['teams'], openFinding());
    const report = await deliverOutbox(store, sinksFromConfig(config()), FAST);
    expect(report.failed).toMatchObject([{ sink: 'teams', retryable: false, error: 'unknown sink "teams": not configured' }]);
  });

  it('puts no webhook URL or routing key in any error', async () => {
    slack.respondWith({ status: 403, body: 'invalid_token' });
    pagerduty.respondWith({ status: 400, body: { status: 'invalid event', message: `bad key ${ROUTING_KEY}` } });
    await queue(['slack', 'pagerduty'], openFinding());
    const unreachable = sinksFromConfig(parseConfig({
      sinks: { slack: { webhookUrl: `http://127.0.0.1:9${SLACK_PATH}` }, pagerduty: { routingKey: ROUTING_KEY, url: 'http://127.0.0.1:9/v2/enqueue' } },
    }));

    const reports = [await deliverOutbox(store, sinksFromConfig(config()), FAST)];
    await store.redriveOutbox();
    // A second pass within Slack's second: its shared rate limit would hold the alert back.
    const roomy = { slack: { count: 10, intervalMs: 1000 } };
    reports.push(await deliverOutbox(store, unreachable, { ...FAST, rateLimits: roomy }));
    const text = JSON.stringify(reports) + JSON.stringify(await store.listOutbox());

    expect(reports.flatMap((r) => r.failed)).toHaveLength(4);
    for (const secret of [SLACK_PATH, 's3cr3tW3bh00kT0k3n', ROUTING_KEY]) expect(text).not.toContain(secret);
  });
});

describe('storms and rate limits', () => {
  it('sends a burst of 500 findings from one event as one Slack message, and holds PagerDuty to 120 events a minute over passes', async () => {
    const cfg = config({ storm: { threshold: 10, windowSeconds: 300, groupPagerDuty: false } });
    const sinks = sinksFromConfig(cfg);
    let clock = Date.parse('2026-11-26T12:00:00Z');
    const sentAt: number[] = [];
    const pd = sinks.get('pagerduty') as AlertSink;
    sinks.set('pagerduty', { ...pd, name: pd.name, rateLimit: pd.rateLimit, build: (f) => pd.build(f), send: async (p) => { sentAt.push(clock); await pd.send(p); } });
    await store.commit({
      processed: [], observed: [], findings: [],
      outbox: Array.from({ length: 500 }, (_, i) => findingNo(i)).flatMap((finding) => [{ sink: 'slack', finding }, { sink: 'pagerduty', finding }]),
    });

    const delivery = new OutboxDelivery(store, sinks, {
      ...deliveryOptionsFromConfig(cfg), limit: 2000, retry: { ...FAST.retry!, maxWaitMs: 120_000 },
      now: () => clock, sleep: async (ms) => { clock += ms; },
    });
    const first = await delivery.pass();
    const report = await delivery.drain();

    expect(first).toMatchObject({ sent: 620, failed: [], groups: 1, waiting: 380 });
    expect(report).toMatchObject({ sent: 380, failed: [] });
    expect(slack.requests).toHaveLength(1);
    expect((slack.requests[0]?.body as { text: string }).text).toMatch(/500 findings/);
    expect(pagerduty.requests).toHaveLength(500);
    expect(new Set(pagerduty.requests.map((r) => (r.body as { dedup_key: string }).dedup_key)).size).toBe(500);
    for (let i = 120; i < sentAt.length; i += 1) expect((sentAt[i] ?? 0) - (sentAt[i - 120] ?? 0)).toBeGreaterThanOrEqual(60_000);
  }, 30_000);

  it('groups the storm for PagerDuty too when configured: one incident', async () => {
    const cfg = config({ storm: { threshold: 10, windowSeconds: 300, groupPagerDuty: true } });
    await store.commit({
      processed: [], observed: [], findings: [],
      outbox: Array.from({ length: 50 }, (_, i) => findingNo(i)).map((finding) => ({ sink: 'pagerduty', finding })),
    });

    const report = await deliverOutbox(store, sinksFromConfig(cfg), { ...deliveryOptionsFromConfig(cfg), ...FAST });

    expect(report).toMatchObject({ sent: 50, groups: 1 });
    expect(pagerduty.requests).toHaveLength(1);
    expect((pagerduty.requests[0]?.body as { dedup_key: string }).dedup_key).toMatch(/^storm-/);
  });
});
