import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PagerDutySink, type PagerDutyTrigger } from '../../alerts/pagerduty.js';
import { DeliveryError } from '../../core/errors.js';
import type { Severity } from '../../core/severity.js';
import { startPagerDutyReceiver, type Receiver } from '../support/receivers.js';
import {
  addedRouteFinding, openFinding, OPEN_DEFAULT_ROUTE, resolvedAddedRouteFinding, resolvedFinding, smallStorm,
} from './finding-fixture.js';

const ROUTING_KEY = 'R0UT1NGk3y0123456789abcdefABCDEF';
const ROUTE_TABLE_URL = 'https://eu-west-1.console.aws.amazon.com/vpcconsole/home?region=eu-west-1#RouteTableDetails:RouteTableId=rtb-0a1';

let receiver: Receiver;
let sink: PagerDutySink;

beforeEach(async () => {
  receiver = await startPagerDutyReceiver();
  sink = new PagerDutySink({ routingKey: ROUTING_KEY, url: `${receiver.url}/v2/enqueue`, timeoutMs: 2000 });
});

afterEach(async () => {
  await receiver.close();
});

/** Sends and returns the DeliveryError it must throw, checked to carry no routing key. */
async function failedSend(target: PagerDutySink = sink): Promise<DeliveryError> {
  const error = await target.send(target.build(openFinding())).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DeliveryError);
  expect(`${String(error)} ${inspect(error, { depth: 10 })}`).not.toContain(ROUTING_KEY);
  return error as DeliveryError;
}

describe('PagerDutySink over HTTP', () => {
  it('triggers with the exact Events API v2 body', async () => {
    await sink.send(sink.build(openFinding()));

    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.path).toBe('/v2/enqueue');
    expect(receiver.requests[0]?.headers['content-type']).toBe('application/json');
    expect(OPEN_DEFAULT_ROUTE.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(receiver.requests[0]?.body).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: OPEN_DEFAULT_ROUTE.fingerprint,
      payload: {
        summary: 'route.default-added: 0.0.0.0/0 → nat-0abc on rtb-0a1',
        source: 'aws:111122223333/eu-west-1',
        severity: 'critical',
        timestamp: '2026-11-26T10:00:02Z',
        component: 'rtb-0a1',
        group: 'route-table',
        class: 'route.default-added',
        custom_details: {
          baseline: null,
          observed: { destination: '0.0.0.0/0', target: { type: 'nat', id: 'nat-0abc' } },
          actor: {
            principal: 'arn:aws:iam::111122223333:user/alice',
            sourceIp: '203.0.113.7',
            userAgent: 'aws-cli/2.15.0 Python/3.11.6',
          },
          changedAt: '2026-11-26T10:00:00Z',
          eventIds: ['ev-create-1'],
          hint: 'Delete the route: aws ec2 delete-route --route-table-id rtb-0a1 --destination-cidr-block 0.0.0.0/0',
          fingerprint: OPEN_DEFAULT_ROUTE.fingerprint,
        },
      },
      links: [{ href: ROUTE_TABLE_URL, text: 'Open in AWS console' }],
    });
  });

  it('resolves with only the routing key, action and dedup key', async () => {
    await sink.send(sink.build(resolvedFinding()));

    expect(receiver.requests[0]?.body).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: OPEN_DEFAULT_ROUTE.fingerprint,
    });
  });

  it('maps severities to PagerDuty\'s four', () => {
    const mapped = (['critical', 'high', 'medium', 'low', 'info'] as Severity[]).map((severity) => {
      const finding = openFinding();
      finding.severity = severity;
      return (sink.build(finding) as PagerDutyTrigger).payload.severity;
    });

    expect(mapped).toEqual(['critical', 'error', 'warning', 'info', 'info']);
  });

  it('cuts the summary to 1024 characters', () => {
    const finding = openFinding();
    finding.summary = 'x'.repeat(5000);

    const event = sink.build(finding) as PagerDutyTrigger;

    expect(event.payload.summary).toHaveLength(1024);
    expect(event.payload.summary).toMatch(/… \(\+\d+ chars\)$/);
  });

  it('keeps an event with huge values under PagerDuty\'s 512 KB', async () => {
    const finding = openFinding();
    finding.observed = { subnets: Array.from({ length: 500 }, (_, i) => `subnet-${i}`), note: 'x'.repeat(600_000) };

    await sink.send(sink.build(finding));

    expect(Buffer.byteLength(receiver.requests[0]?.text ?? '')).toBeLessThan(512 * 1024);
    expect(receiver.requests[0]?.body).toMatchObject({ payload: { custom_details: { observed: expect.stringMatching(/chars\)$/) } } });
  });
});

describe('PagerDutySink endpoints', () => {
  /** The URL each sink posts to, with fetch answered locally instead of by PagerDuty. */
  async function postedTo(target: PagerDutySink): Promise<string> {
    const fetchSpy = vi.spyOn(globalThis, 'fetch').mockResolvedValue(new Response('{"status":"success"}', { status: 202 }));
    try {
      await target.send(target.build(openFinding()));
      return String(fetchSpy.mock.calls[0]?.[0]);
    } finally {
      fetchSpy.mockRestore();
    }
  }

  it('sends to the US endpoint by default, and to the EU one for the EU region', async () => {
    expect(await postedTo(new PagerDutySink({ routingKey: ROUTING_KEY }))).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(await postedTo(new PagerDutySink({ routingKey: ROUTING_KEY, region: 'us' }))).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(await postedTo(new PagerDutySink({ routingKey: ROUTING_KEY, region: 'eu' }))).toBe('https://events.eu.pagerduty.com/v2/enqueue');
  });

  it('sends to the given URL whatever the region', async () => {
    expect(await postedTo(new PagerDutySink({ routingKey: ROUTING_KEY, region: 'eu', url: 'https://pd-proxy.example/v2/enqueue' })))
      .toBe('https://pd-proxy.example/v2/enqueue');
  });

  it('declares PagerDuty\'s rate limit of 120 events a minute per routing key', () => {
    expect(sink.rateLimit).toEqual({ count: 120, intervalMs: 60_000 });
  });
});

describe('PagerDutySink storms', () => {
  it('triggers one incident for a storm\'s open findings, keyed by the group, most urgent first, and resolves its resolved ones', async () => {
    await sink.send(sink.buildGroup(smallStorm()));

    expect(receiver.requests.map((r) => r.body)).toEqual([
      {
        routing_key: ROUTING_KEY,
        event_action: 'trigger',
        dedup_key: 'storm:event:ev-create-1',
        payload: {
          summary: '2 findings from event ev-create-1: route.added (1), route.default-added (1)',
          source: 'aws:111122223333/eu-west-1',
          severity: 'critical',
          timestamp: '2026-11-26T10:00:02Z',
          class: 'storm',
          custom_details: {
            cause: 'event ev-create-1',
            changedAt: '2026-11-26T10:00:00Z',
            count: 2,
            findings: [
              {
                fingerprint: OPEN_DEFAULT_ROUTE.fingerprint, rule: 'route.default-added', severity: 'critical', status: 'open',
                resource: 'rtb-0a1', summary: '0.0.0.0/0 → nat-0abc on rtb-0a1',
              },
              {
                fingerprint: addedRouteFinding().fingerprint, rule: 'route.added', severity: 'medium', status: 'open',
                resource: 'rtb-0b2', summary: '10.1.0.0/16 → pcx-01 on rtb-0b2',
              },
            ],
            omitted: 0,
          },
        },
      },
      { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: resolvedAddedRouteFinding().fingerprint },
    ]);
  });

  it('takes the highest severity of the group', () => {
    const group = smallStorm();
    group.findings = group.findings.filter((f) => f.rule === 'route.added');

    expect(sink.stormTrigger(group).payload.severity).toBe('error');
  });

  it('keeps a storm of 5000 findings with long summaries far below 512 KB, counting what it leaves out', async () => {
    const findings = Array.from({ length: 5000 }, (_, i) => {
      const finding = openFinding();
      finding.rule = i % 7 === 0 ? 'route.removed' : 'route.default-added';
      finding.fingerprint = String(i).padStart(32, '0');
      finding.resource = `rtb-${i}-${'r'.repeat(1000)}`;
      finding.summary = `route ${i} ${'s'.repeat(2000)}`;
      return finding;
    });

    const event = sink.stormTrigger({ cause: `principal ${'p'.repeat(2000)}`, key: 'storm:principal:p', findings });
    await sink.send(event);

    const details = event.payload.custom_details;
    expect(Buffer.byteLength(receiver.requests[0]?.text ?? '')).toBeLessThan(128 * 1024);
    expect(event.payload.summary).toHaveLength(1024);
    expect(details.findings.length).toBeGreaterThan(50);
    expect(details.findings.length + details.omitted).toBe(5000);
    expect(details.findings[0]?.summary).toMatch(/… \(\+\d+ chars\)$/);
  });
});

describe('PagerDutySink failures', () => {
  it('400 is not retryable and quotes PagerDuty\'s message and errors', async () => {
    receiver.respondWith({
      status: 400,
      body: { status: 'invalid event', message: 'Event object is invalid', errors: ['\'payload.source\' is missing or blank'] },
    });

    const error = await failedSend();

    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      'pagerduty: rejected the alert (HTTP 400): Event object is invalid: \'payload.source\' is missing or blank',
    );
  });

  it('a 400 echoing the routing key is redacted', async () => {
    receiver.respondWith({ status: 400, body: { message: 'Invalid routing key', errors: [`unknown key ${ROUTING_KEY}`] } });

    const error = await failedSend();

    expect(error.message).toContain('unknown key [redacted]');
  });

  it('429 is retryable after Retry-After', async () => {
    receiver.respondWith({ status: 429, headers: { 'retry-after': '2' }, body: { status: 'throttle event', message: 'Requests for this service are arriving too quickly' } });

    const error = await failedSend();

    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(2000);
    expect(error.message).toContain('rate limited (HTTP 429)');
  });

  it('429 without Retry-After is retryable with no delay given', async () => {
    receiver.respondWith({ status: 429, body: '' });

    const error = await failedSend();

    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBeUndefined();
  });

  it('5xx is retryable', async () => {
    receiver.respondWith({ status: 502, body: 'Bad Gateway' });

    const error = await failedSend();

    expect(error.retryable).toBe(true);
    expect(error.message).toBe('pagerduty: server error (HTTP 502): Bad Gateway');
  });

  it('a timeout is retryable', async () => {
    const quick = new PagerDutySink({ routingKey: ROUTING_KEY, url: `${receiver.url}/v2/enqueue`, timeoutMs: 100 });
    receiver.respondWith({ status: 202, body: { status: 'success' }, delayMs: 2000 });

    const error = await failedSend(quick);

    expect(error.retryable).toBe(true);
    expect(error.message).toBe('pagerduty: timed out after 100 ms');
  });

  it('a refused connection is retryable', async () => {
    const gone = await startPagerDutyReceiver();
    await gone.close();

    const error = await failedSend(new PagerDutySink({ routingKey: ROUTING_KEY, url: `${gone.url}/v2/enqueue` }));

    expect(error.retryable).toBe(true);
    expect(error.message).toBe('pagerduty: network error (ECONNREFUSED)');
  });
});
