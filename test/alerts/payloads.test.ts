import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../../adapters/local/sqlite-state-store.js';
import { stormIncidentKey } from '../../alerts/pagerduty-storms.js';
import { outboxDelivery, sinksFromConfig } from '../../alerts/sinks.js';
import { configFromEnvironment, parseConfig, type Config, type ConfigInput } from '../../core/config.js';
import type { Finding } from '../../core/finding.js';
import { findingTransitions, outboxEntries, type Provenance } from '../../core/finding-transitions.js';
import type { Resource, Route, Scope } from '../../core/resource.js';
import { routeFinding } from '../../core/routing.js';
import { diffResource } from '../../core/rules/index.js';
import { startPagerDutyReceiver, startSlackReceiver, type Receiver } from '../support/receivers.js';

/**
 * What an on-call engineer receives, end to end and exact: findings made by the real rules and
 * transitions (times injected), committed to the SQLite state store with their outbox entries, and
 * sent by the real Slack and PagerDuty sinks, as configured, over HTTP to local receivers. Each
 * payload is compared whole.
 */

const SLACK_PATH = '/services/T0AAAAAAA/B0BBBBBBB/s3cr3tW3bh00kT0k3n';
const ROUTING_KEY = 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY00';
const SCOPE: Scope = { cloud: 'aws', account: '111122223333' };
const CONSOLE = 'https://eu-west-1.console.aws.amazon.com/vpcconsole/home?region=eu-west-1#RouteTableDetails:RouteTableId=rtb-0a1';
const ALICE = { principal: 'arn:aws:iam::111122223333:user/alice', sourceIp: '203.0.113.7', userAgent: 'aws-cli/2.15.0' };
const BOB = { principal: 'arn:aws:iam::111122223333:user/bob', sourceIp: '198.51.100.9', userAgent: 'console.amazonaws.com' };
/** Five minutes, the default storm window: the incident key's window of 10:00 is [10:00, 10:05). */
const WINDOW_MS = 300_000;

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

function config(extra: Partial<ConfigInput> = {}): Config {
  return parseConfig({
    sinks: {
      slack: { webhookUrl: `${slack.url}${SLACK_PATH}` },
      pagerduty: { routingKey: ROUTING_KEY, url: `${pagerduty.url}/v2/enqueue`, minSeverity: 'medium' },
    },
    ...extra,
  });
}

const LOCAL: Route = { destination: '10.0.0.0/16', target: { type: 'local' } };
const DEFAULT_TO_NAT: Route = { destination: '0.0.0.0/0', target: { type: 'nat', id: 'nat-01' } };

function table(...routes: Route[]): Resource {
  return { kind: 'route-table', id: 'rtb-0a1', region: 'eu-west-1', network: 'vpc-01', routes, subnets: ['subnet-01'] };
}

const BASELINE = table(LOCAL, DEFAULT_TO_NAT);

function from(eventId: string, actor: typeof ALICE, eventTime: string, operation: string): Provenance {
  return { operation, eventId, actor, eventTime };
}

/** One change applied as the pipeline does: drifts by the rules, open/resolved by the transitions, committed with the outbox. */
async function change(observed: Resource, open: readonly Finding[], provenance: Provenance, now: string, cfg: Config) {
  const drifts = diffResource(BASELINE, observed, { cloud: 'aws' });
  const t = findingTransitions(SCOPE, drifts, open, provenance, now, true);
  const outbox = outboxEntries(t.opened, t.resolved, { route: (f) => routeFinding(cfg, f) });
  await store.commit({ processed: [], observed: [], findings: [...t.opened, ...t.resolved, ...t.touched], outbox });
  return t;
}

async function deliver(cfg: Config) {
  return outboxDelivery(store, sinksFromConfig(cfg), cfg).drain();
}

const bodies = (receiver: Receiver) => receiver.requests.map((r) => r.body);

describe('one finding: open, then resolved', () => {
  it('Slack and PagerDuty get the exact alert, then the exact resolve saying what the route points to now', async () => {
    const cfg = config();
    const hijacked = table(LOCAL, { destination: '0.0.0.0/0', target: { type: 'internet', id: 'igw-01' } });
    const opened = await change(hijacked, [], from('ev-1', ALICE, '2026-12-02T09:00:00Z', 'ec2:ReplaceRoute'), '2026-12-02T09:00:02.000Z', cfg);
    await deliver(cfg);
    const finding = opened.opened[0] as Finding;

    expect(bodies(slack)).toEqual([{
      text: '[CRITICAL] route.target-changed: route 0.0.0.0/0 on rtb-0a1 now points to internet:igw-01 (was nat:nat-01)',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '[CRITICAL] route.target-changed' } },
        { type: 'section', text: { type: 'mrkdwn', text: 'route 0.0.0.0/0 on rtb-0a1 now points to internet:igw-01 (was nat:nat-01)' } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*What changed*\nBaseline: 0.0.0.0/0 → nat:nat-01\nObserved: 0.0.0.0/0 → internet:igw-01' },
            { type: 'mrkdwn', text: '*Who*\narn:aws:iam::111122223333:user/alice\nfrom 203.0.113.7\nvia aws-cli/2.15.0' },
            { type: 'mrkdwn', text: '*Where*\naws 111122223333 eu-west-1\nroute-table rtb-0a1' },
            { type: 'mrkdwn', text: '*Opened at*\n2026-12-02T09:00:02.000Z\nchanged at 2026-12-02T09:00:00Z' },
          ],
        },
        {
          type: 'context',
          elements: [
            {
              type: 'mrkdwn',
              text: '*Hint:* Point 0.0.0.0/0 on rtb-0a1 back to nat:nat-01, or, if intended, approve a new baseline (netdrift snapshot capture '
                + '--cloud aws --account 111122223333 --regions &lt;every watched region&gt;, then netdrift snapshot approve --cloud aws --account 111122223333).',
            },
            { type: 'mrkdwn', text: `<${CONSOLE}|Open in AWS console>` },
          ],
        },
      ],
    }]);
    expect(bodies(pagerduty)).toEqual([{
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: finding.fingerprint,
      payload: {
        summary: 'route.target-changed: route 0.0.0.0/0 on rtb-0a1 now points to internet:igw-01 (was nat:nat-01)',
        source: 'aws:111122223333/eu-west-1',
        severity: 'critical',
        timestamp: '2026-12-02T09:00:02.000Z',
        component: 'rtb-0a1',
        group: 'route-table',
        class: 'route.target-changed',
        custom_details: {
          baseline: { destination: '0.0.0.0/0', target: { type: 'nat', id: 'nat-01' } },
          observed: { destination: '0.0.0.0/0', target: { type: 'internet', id: 'igw-01' } },
          actor: ALICE,
          changedAt: '2026-12-02T09:00:00Z',
          eventIds: ['ev-1'],
          hint: 'Point 0.0.0.0/0 on rtb-0a1 back to nat:nat-01, or, if intended, approve a new baseline (netdrift snapshot capture '
            + '--cloud aws --account 111122223333 --regions <every watched region>, then netdrift snapshot approve --cloud aws --account 111122223333).',
          fingerprint: finding.fingerprint,
        },
      },
      links: [{ href: CONSOLE, text: 'Open in AWS console' }],
    }]);

    slack.requests.length = 0;
    pagerduty.requests.length = 0;
    await change(BASELINE, opened.opened, from('ev-2', BOB, '2026-12-02T09:07:00Z', 'ec2:ReplaceRoute'), '2026-12-02T09:07:01.000Z', cfg);
    await deliver(cfg);

    expect(bodies(slack)).toEqual([{
      text: 'Resolved: route.target-changed: route 0.0.0.0/0 on rtb-0a1 points to nat:nat-01 again, as in the baseline',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Resolved: route.target-changed' } },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: '*Now:* route 0.0.0.0/0 on rtb-0a1 points to nat:nat-01 again, as in the baseline.\n'
              + '*Opened for:* route 0.0.0.0/0 on rtb-0a1 now points to internet:igw-01 (was nat:nat-01)',
          },
        },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Resolved by*\narn:aws:iam::111122223333:user/bob\nfrom 198.51.100.9\nvia console.amazonaws.com' },
            { type: 'mrkdwn', text: '*Where*\naws 111122223333 eu-west-1\nroute-table rtb-0a1' },
            { type: 'mrkdwn', text: '*Resolved at*\n2026-12-02T09:07:01.000Z\nchanged at 2026-12-02T09:07:00Z' },
            { type: 'mrkdwn', text: '*Opened at*\n2026-12-02T09:00:02.000Z\nchanged at 2026-12-02T09:00:00Z' },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `<${CONSOLE}|Open in AWS console>` }] },
      ],
    }]);
    // Its own incident only: one finding of alice's 09:00–09:05 window is too few to have been paged as a storm.
    expect(bodies(pagerduty)).toEqual([{ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: finding.fingerprint }]);
  });
});

/** Alice adds twelve routes to the NAT in one call: a storm from one event (more than the threshold of 10). */
const STORM_ROUTES: Route[] = Array.from({ length: 12 }, (_, i) => ({ destination: `10.${i + 1}.0.0/16`, target: { type: 'nat', id: 'nat-01' } }));

async function openStorm(cfg: Config): Promise<Finding[]> {
  const t = await change(table(LOCAL, DEFAULT_TO_NAT, ...STORM_ROUTES), [], from('ev-3', ALICE, '2026-12-02T09:10:00Z', 'ec2:CreateRoute'), '2026-12-02T09:10:02.000Z', cfg);
  expect(t.opened).toHaveLength(12);
  return t.opened;
}

describe('a storm: twelve findings from one event', () => {
  it('is one Slack message and, by default, one PagerDuty incident listing its members; resolved when the last member resolves', async () => {
    const cfg = config();
    const opened = await openStorm(cfg);
    await deliver(cfg);
    const aliceAt0910 = 'storm-f47df05850fff371ed72b799';
    expect(opened.map((f) => stormIncidentKey(f, WINDOW_MS))).toEqual(Array(12).fill(aliceAt0910));
    const added = opened.map((f) => (f.observed as Route).destination);

    expect(bodies(slack)).toEqual([{
      text: '[HIGH] 12 findings from event ev-3',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '[HIGH] 12 findings from event ev-3' } },
        ...added.map((d) => ({ type: 'section', text: { type: 'mrkdwn', text: `[HIGH] route.added — rtb-0a1: route ${d} → nat:nat-01 added to rtb-0a1` } })),
      ],
    }]);
    expect(bodies(pagerduty)).toEqual([{
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: aliceAt0910,
      payload: {
        summary: '12 findings from event ev-3: route.added (12)',
        source: 'aws:111122223333/eu-west-1',
        severity: 'error',
        timestamp: '2026-12-02T09:10:02.000Z',
        class: 'storm',
        custom_details: {
          cause: 'event ev-3',
          changedAt: '2026-12-02T09:10:00Z',
          count: 12,
          findings: opened.map((f) => ({
            fingerprint: f.fingerprint, rule: 'route.added', severity: 'high', status: 'open', resource: 'rtb-0a1',
            summary: `route ${(f.observed as Route).destination} → nat:nat-01 added to rtb-0a1`,
          })),
          omitted: 0,
        },
      },
    }]);

    // Bob deletes eleven of them in one call: one Slack message; PagerDuty resolves each, not the storm (one is still open).
    slack.requests.length = 0;
    pagerduty.requests.length = 0;
    const kept = STORM_ROUTES[8] as Route;
    const partly = await change(table(LOCAL, DEFAULT_TO_NAT, kept), opened, from('ev-4', BOB, '2026-12-02T09:20:00Z', 'ec2:DeleteRoute'), '2026-12-02T09:20:01.000Z', cfg);
    await deliver(cfg);
    expect(partly.resolved).toHaveLength(11);

    expect(bodies(slack)).toEqual([{
      text: 'Resolved: 11 findings from event ev-4',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Resolved: 11 findings from event ev-4' } },
        ...partly.resolved.map((f) => ({
          type: 'section',
          text: { type: 'mrkdwn', text: `Resolved: route.added — rtb-0a1: route ${(f.observed as Route).destination} is gone from rtb-0a1, as in the baseline` },
        })),
      ],
    }]);
    expect(bodies(pagerduty)).toEqual(partly.resolved.map((f) => ({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: f.fingerprint })));

    // The last one goes: its resolve, then the storm incident's.
    slack.requests.length = 0;
    pagerduty.requests.length = 0;
    const still = opened.filter((f) => (f.observed as Route).destination === kept.destination);
    await change(BASELINE, still, from('ev-5', BOB, '2026-12-02T09:21:00Z', 'ec2:DeleteRoute'), '2026-12-02T09:21:01.000Z', cfg);
    await deliver(cfg);

    expect(bodies(pagerduty)).toEqual([
      { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: still[0]?.fingerprint },
      { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: aliceAt0910 },
    ]);
    expect((slack.requests[0]?.body as { text: string }).text).toBe(
      `Resolved: route.added: route ${kept.destination} is gone from rtb-0a1, as in the baseline`,
    );
  });

  it('is one incident per finding with NETDRIFT_PAGERDUTY_STORM=per-finding, still one Slack message', async () => {
    const file = { storm: { pagerDuty: 'grouped' }, sinks: config().sinks };
    const cfg = configFromEnvironment({ NETDRIFT_PAGERDUTY_STORM: 'per-finding' }, file);
    expect(cfg.storm.pagerDuty).toBe('per-finding');
    const opened = await openStorm(cfg);
    await deliver(cfg);

    expect(slack.requests).toHaveLength(1);
    expect(pagerduty.requests.map((r) => (r.body as { event_action: string; dedup_key: string })))
      .toEqual(opened.map((f) => expect.objectContaining({ event_action: 'trigger', dedup_key: f.fingerprint })));
  });
});

describe('a storm from one principal', () => {
  it('twelve calls by alice within the window, sent together, are one PagerDuty incident under the same key', async () => {
    const cfg = config();
    let open: Finding[] = [];
    for (const [i, route] of STORM_ROUTES.entries()) {
      const observed = table(LOCAL, DEFAULT_TO_NAT, ...STORM_ROUTES.slice(0, i + 1));
      const at = `2026-12-02T09:10:${String(i * 2).padStart(2, '0')}Z`;
      const t = await change(observed, open, from(`ev-p${i}`, ALICE, at, 'ec2:CreateRoute'), at, cfg);
      expect(t.opened.map((f) => (f.observed as Route).destination)).toEqual([route.destination]);
      open = [...open, ...t.opened];
    }

    await deliver(cfg);

    expect(slack.requests).toHaveLength(1);
    expect(bodies(pagerduty)).toEqual([expect.objectContaining({
      event_action: 'trigger',
      dedup_key: 'storm-f47df05850fff371ed72b799',
      payload: expect.objectContaining({
        summary: '12 findings from principal arn:aws:iam::111122223333:user/alice: route.added (12)',
        custom_details: expect.objectContaining({ cause: 'principal arn:aws:iam::111122223333:user/alice', count: 12, omitted: 0 }),
      }),
    })]);
  });
});

describe('a storm of resolves interrupted by a 429', () => {
  it('is retried without sending again the resolves PagerDuty already took', async () => {
    const cfg = config();
    const opened = await openStorm(cfg);
    await deliver(cfg);
    pagerduty.requests.length = 0;
    slack.requests.length = 0;
    await change(BASELINE, opened, from('ev-6', BOB, '2026-12-02T09:30:00Z', 'ec2:DeleteRoute'), '2026-12-02T09:30:01.000Z', cfg);
    pagerduty.respondWith({ status: 202, body: { status: 'success' } }, { status: 202, body: { status: 'success' } }, { status: 429, headers: { 'retry-after': '1' }, body: { status: 'throttled' } });

    const report = await deliver(cfg);

    expect(report.failed.filter((f) => f.sink === 'pagerduty').map((f) => f.retryable)).toEqual(Array(12).fill(true));
    // 2 taken, 1 throttled; the retry sends the 10 left (the throttled one again), then the storm incident's resolve.
    expect(pagerduty.requests.map((r) => (r.body as { dedup_key: string }).dedup_key)).toEqual([
      ...opened.slice(0, 3).map((f) => f.fingerprint),
      ...opened.slice(2).map((f) => f.fingerprint),
      'storm-f47df05850fff371ed72b799',
    ]);
    expect(await store.listOutbox()).toEqual([]);
  });
});

describe('a storm across a window boundary', () => {
  it('is one incident keyed by its first window, resolved only when the members of both windows are resolved', async () => {
    const cfg = config();
    let open: Finding[] = [];
    for (const [i] of STORM_ROUTES.entries()) {
      // 09:14:50, 09:14:52, … 09:15:12: five findings in the 09:10 window, seven in the 09:15 one.
      const at = new Date(Date.parse('2026-12-02T09:14:50Z') + i * 2000).toISOString();
      const t = await change(table(LOCAL, DEFAULT_TO_NAT, ...STORM_ROUTES.slice(0, i + 1)), open, from(`ev-b${i}`, ALICE, at, 'ec2:CreateRoute'), at, cfg);
      open = [...open, ...t.opened];
    }
    await deliver(cfg);

    expect(bodies(pagerduty)).toEqual([expect.objectContaining({ event_action: 'trigger', dedup_key: 'storm-f47df05850fff371ed72b799' })]);

    pagerduty.requests.length = 0;
    const last = open.at(-1) as Finding;
    const partly = await change(table(LOCAL, DEFAULT_TO_NAT, last.observed as Route), open, from('ev-b-del', BOB, '2026-12-02T09:40:00Z', 'ec2:DeleteRoute'), '2026-12-02T09:40:01.000Z', cfg);
    await deliver(cfg);
    expect(bodies(pagerduty)).toEqual(partly.resolved.map((f) => ({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: f.fingerprint })));

    pagerduty.requests.length = 0;
    await change(BASELINE, [last], from('ev-b-del2', BOB, '2026-12-02T09:41:00Z', 'ec2:DeleteRoute'), '2026-12-02T09:41:01.000Z', cfg);
    await deliver(cfg);
    expect(bodies(pagerduty)).toEqual([
      { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: last.fingerprint },
      { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'storm-f47df05850fff371ed72b799' },
    ]);
  });
});
