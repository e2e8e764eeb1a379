import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsoleSink } from '../../alerts/console.js';
import { deliverOutbox, routeFinding, sinksFromConfig } from '../../alerts/deliver.js';
import { PagerDutySink } from '../../alerts/pagerduty.js';
import { SlackSink } from '../../alerts/slack.js';
import { parseConfig } from '../../core/config.js';
import type { Finding } from '../../core/finding.js';
import type { AlertSink, OutboxEntry, StateStore } from '../../core/ports.js';
import { startPagerDutyReceiver, startSlackReceiver, type Receiver } from '../support/receivers.js';
import { openFinding, resolvedFinding } from './finding-fixture.js';

/** A state store that only keeps an outbox: all `deliverOutbox` may touch. */
class OutboxOnlyStore implements StateStore {
  readonly entries: OutboxEntry[] = [];
  #next = 1;

  add(sink: string, finding: Finding): OutboxEntry {
    const entry: OutboxEntry = {
      id: `ob-${this.#next}`, sink, finding, attempts: 0, createdAt: `2026-11-26T10:00:${String(this.#next).padStart(2, '0')}Z`,
    };
    this.#next += 1;
    this.entries.push(entry);
    return entry;
  }

  async pendingOutbox(limit?: number): Promise<OutboxEntry[]> {
    return structuredClone(this.entries.slice(0, limit));
  }

  async outboxDelivered(id: string): Promise<void> {
    const at = this.entries.findIndex((e) => e.id === id);
    if (at < 0) throw new Error(`no outbox entry ${id}`);
    this.entries.splice(at, 1);
  }

  async outboxFailed(id: string, error: string): Promise<void> {
    const entry = this.entries.find((e) => e.id === id);
    if (!entry) throw new Error(`no outbox entry ${id}`);
    entry.attempts += 1;
    entry.lastError = error;
  }

  isProcessed(): never { throw new Error('not used by delivery'); }
  getObserved(): never { throw new Error('not used by delivery'); }
  listObserved(): never { throw new Error('not used by delivery'); }
  openFindings(): never { throw new Error('not used by delivery'); }
  listFindings(): never { throw new Error('not used by delivery'); }
  commit(): never { throw new Error('not used by delivery'); }
  purgeExpired(): never { throw new Error('not used by delivery'); }
  async close(): Promise<void> {}
}

function otherFinding(): Finding {
  const finding = openFinding();
  finding.resource = 'rtb-0b2';
  finding.summary = '0.0.0.0/0 → nat-0abc on rtb-0b2';
  finding.fingerprint = 'f'.repeat(32);
  return finding;
}

let slack: Receiver;
let pagerduty: Receiver;
let sinks: Map<string, AlertSink>;
let store: OutboxOnlyStore;

beforeEach(async () => {
  slack = await startSlackReceiver();
  pagerduty = await startPagerDutyReceiver();
  sinks = new Map<string, AlertSink>([
    ['slack', new SlackSink({ webhookUrl: `${slack.url}/services/T0/B0/secret-token-123`, timeoutMs: 2000 })],
    ['pagerduty', new PagerDutySink({ routingKey: 'k'.repeat(32), url: `${pagerduty.url}/v2/enqueue`, timeoutMs: 2000 })],
  ]);
  store = new OutboxOnlyStore();
});

afterEach(async () => {
  await slack.close();
  await pagerduty.close();
});

describe('deliverOutbox', () => {
  it('sends each entry with its sink and removes it', async () => {
    store.add('slack', openFinding());
    store.add('pagerduty', openFinding());

    const report = await deliverOutbox(store, sinks);

    expect(report).toEqual({ sent: 2, failed: [], deferred: 0 });
    expect(store.entries).toEqual([]);
    expect(slack.requests).toHaveLength(1);
    expect(pagerduty.requests[0]?.body).toMatchObject({ event_action: 'trigger' });
  });

  it('keeps a failed entry with its error, and reports it', async () => {
    const finding = openFinding();
    store.add('slack', finding);
    slack.respondWith({ status: 429, headers: { 'retry-after': '7' }, body: 'rate_limited' });

    const report = await deliverOutbox(store, sinks);

    const error = 'slack: rate limited (HTTP 429): rate_limited; retry after 7000 ms';
    expect(report).toEqual({
      sent: 0,
      deferred: 0,
      failed: [{ sink: 'slack', fingerprint: finding.fingerprint, rule: 'route.default-added', error, retryable: true, retryAfterMs: 7000 }],
    });
    expect(store.entries).toMatchObject([{ id: 'ob-1', attempts: 1, lastError: error }]);
  });

  it('holds back later entries of a finding whose earlier one failed, so a resolve never overtakes its trigger', async () => {
    store.add('slack', openFinding());
    store.add('slack', resolvedFinding());
    store.add('slack', otherFinding());
    slack.respondWith({ status: 503, body: 'unavailable' });

    const first = await deliverOutbox(store, sinks);

    expect(first).toMatchObject({ sent: 1, deferred: 1, failed: [{ sink: 'slack', retryable: true }] });
    expect(store.entries.map((e) => [e.id, e.attempts])).toEqual([['ob-1', 1], ['ob-2', 0]]);
    expect(slack.requests.map((r) => (r.body as { text: string }).text)).toEqual([
      '[CRITICAL] route.default-added: 0.0.0.0/0 → nat-0abc on rtb-0a1',
      '[CRITICAL] route.default-added: 0.0.0.0/0 → nat-0abc on rtb-0b2',
    ]);

    const second = await deliverOutbox(store, sinks);

    expect(second).toEqual({ sent: 2, failed: [], deferred: 0 });
    expect(store.entries).toEqual([]);
    expect(slack.requests.slice(2).map((r) => (r.body as { text: string }).text)).toEqual([
      '[CRITICAL] route.default-added: 0.0.0.0/0 → nat-0abc on rtb-0a1',
      'Resolved: route.default-added: 0.0.0.0/0 → nat-0abc on rtb-0a1',
    ]);
  });

  it('sends oldest first, whatever order the store lists them in', async () => {
    const resolve = store.add('pagerduty', resolvedFinding());
    const trigger = store.add('pagerduty', openFinding());
    resolve.createdAt = '2026-11-26T10:05:00Z';
    trigger.createdAt = '2026-11-26T10:00:00Z';

    await deliverOutbox(store, sinks);

    expect(pagerduty.requests.map((r) => (r.body as { event_action: string }).event_action)).toEqual(['trigger', 'resolve']);
  });

  it('a failure on one sink does not hold back another', async () => {
    store.add('slack', openFinding());
    store.add('pagerduty', openFinding());
    slack.respondWith({ status: 400, body: 'invalid_blocks' });

    const report = await deliverOutbox(store, sinks);

    expect(report).toMatchObject({ sent: 1, failed: [{ sink: 'slack', retryable: false }] });
    expect(store.entries.map((e) => e.sink)).toEqual(['slack']);
  });

  it('fails an entry naming an unknown sink, and keeps it', async () => {
    const finding = openFinding();
    store.add('teams', finding);

    const report = await deliverOutbox(store, sinks);

    const error = 'unknown sink "teams": not configured';
    expect(report).toEqual({
      sent: 0,
      deferred: 0,
      failed: [{ sink: 'teams', fingerprint: finding.fingerprint, rule: 'route.default-added', error, retryable: false }],
    });
    expect(store.entries).toMatchObject([{ sink: 'teams', attempts: 1, lastError: error }]);
  });

  it('takes at most `limit` entries', async () => {
    store.add('slack', openFinding());
    store.add('slack', otherFinding());

    const report = await deliverOutbox(store, sinks, { limit: 1 });

    expect(report.sent).toBe(1);
    expect(store.entries).toHaveLength(1);
  });
});

describe('sinks from config', () => {
  const config = parseConfig({
    sinks: {
      console: {},
      slack: { webhookUrl: 'https://hooks.slack.com/services/T0/B0/x' },
      pagerduty: { routingKey: 'k'.repeat(32) },
    },
  });

  it('builds every configured sink under its name', () => {
    const built = sinksFromConfig(config, { stdout: new PassThrough() });

    expect([...built.keys()]).toEqual(['console', 'slack', 'pagerduty']);
    expect(built.get('console')).toBeInstanceOf(ConsoleSink);
    expect(built.get('slack')).toBeInstanceOf(SlackSink);
    expect(built.get('pagerduty')).toBeInstanceOf(PagerDutySink);
    expect(sinksFromConfig(parseConfig({})).size).toBe(0);
  });

  it('routes a finding to the sinks whose minimum severity it reaches', () => {
    const medium = openFinding();
    medium.severity = 'medium';

    expect(routeFinding(config, openFinding())).toEqual(['console', 'slack', 'pagerduty']);
    expect(routeFinding(config, medium)).toEqual(['console', 'slack']);
  });

  it('routes a resolve wherever its open went', () => {
    const medium = openFinding();
    medium.severity = 'medium';
    const resolved = { ...resolvedFinding(), severity: medium.severity };

    expect(routeFinding(config, resolved)).toEqual(routeFinding(config, medium));
    expect(routeFinding(config, resolvedFinding())).toEqual(routeFinding(config, openFinding()));
  });
});
