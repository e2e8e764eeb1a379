import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli, tempTree } from '../support/cli.js';
import { startSlackReceiver, type Receiver } from '../support/receivers.js';
import { baseline, cloudTrail, eventBridge } from './aws-events.js';

let dir = '';
let child: ChildProcess | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  child?.kill('SIGTERM');
  child = undefined;
  await receiver?.close();
  receiver = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});

async function waitFor<T>(probe: () => T | undefined, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('netdrift serve', () => {
  it('takes EventBridge events on /aws/events, answers 202/400, and alerts Slack once per finding', async () => {
    receiver = await startSlackReceiver();
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline });
    const started = await startCli(
      ['serve', '--port', '0', '--baseline', join(dir, 'baselines'), '--state', join(dir, 'state.sqlite')],
      /serving on (http:\/\/[\d.]+:\d+)/, { NETDRIFT_SLACK_WEBHOOK_URL: receiver.url },
    );
    child = started.child;
    const base = started.match[1] ?? '';
    const event = eventBridge(cloudTrail('ReplaceRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0abc' }));
    const post = (body: string) => fetch(`${base}/aws/events`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

    const taken = await post(JSON.stringify(event));
    const again = await post(JSON.stringify(event));
    const bad = await post('{"detail-type": 42}');
    const truncated = await post('{"detail');

    expect(taken.status).toBe(202);
    expect(await taken.json()).toMatchObject({ opened: 1 });
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ opened: 0, records: [{ status: 'duplicate' }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/not a recognised event/);
    expect(truncated.status).toBe(400);
    const requests = await waitFor(() => (receiver && receiver.requests.length > 0 ? receiver.requests : undefined));
    await new Promise((r) => setTimeout(r, 200));
    expect(requests).toHaveLength(1);
    expect(JSON.stringify(requests[0]?.body)).toContain('route.target-changed');
  });

  it('answers Event Grid handshakes on /azure/events and acknowledges unparseable Pub/Sub pushes on /gcp/pubsub', async () => {
    dir = await tempTree({ 'baselines/.keep': '' });
    const started = await startCli(['serve', '--port', '0', '--baseline', join(dir, 'baselines'), '--state', join(dir, 'state.sqlite')], /serving on (http:\/\/[\d.]+:\d+)/);
    child = started.child;
    const base = started.match[1] ?? '';
    const validation = [{
      id: '2d1781af-3a4c-4d7c-bd0c-e34b19da4e66', topic: '/subscriptions/x', subject: '', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
      eventTime: '2026-11-26T10:00:00Z', metadataVersion: '1', dataVersion: '1',
      data: { validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6', validationUrl: 'https://rp-eastus2.eventgrid.azure.net/api/vs' },
    }];

    const handshake = await fetch(`${base}/azure/events`, { method: 'POST', body: JSON.stringify(validation) });
    const options = await fetch(`${base}/azure/events`, { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'eventemitter.example.com' } });
    const badAzure = await fetch(`${base}/azure/events`, { method: 'POST', body: '[{"eventType": 7}]' });
    const welcome = await fetch(`${base}/gcp/pubsub`, { method: 'POST', body: JSON.stringify({ message: { data: Buffer.from('Welcome!').toString('base64'), messageId: '1' }, subscription: 's' }) });
    const notJson = await fetch(`${base}/gcp/pubsub`, { method: 'POST', body: 'not json' });

    expect(handshake.status).toBe(200);
    expect(await handshake.json()).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
    expect(options.status).toBe(200);
    expect(options.headers.get('webhook-allowed-origin')).toBe('eventemitter.example.com');
    expect(badAzure.status).toBe(400);
    expect(welcome.status).toBe(202);
    expect(((await welcome.json()) as { error: string }).error).toMatch(/.+/);
    expect(notJson.status).toBe(202);
  });

  it('groups a storm arriving as many requests into one Slack message', async () => {
    receiver = await startSlackReceiver();
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline });
    const started = await startCli(
      ['serve', '--port', '0', '--baseline', join(dir, 'baselines'), '--state', join(dir, 'state.sqlite')],
      /serving on (http:\/\/[\d.]+:\d+)/, { NETDRIFT_SLACK_WEBHOOK_URL: receiver.url },
    );
    child = started.child;
    const base = started.match[1] ?? '';

    const events = Array.from({ length: 15 }, (_, i) => eventBridge(cloudTrail('CreateRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: `10.${101 + i}.0.0/16`, natGatewayId: 'nat-0abc' })));
    const answers = await Promise.all(events.map((event) => fetch(`${base}/aws/events`, { method: 'POST', body: JSON.stringify(event) })));
    expect(answers.map((a) => a.status)).toEqual(Array(15).fill(202));

    const requests = await waitFor(() => (receiver && receiver.requests.length > 0 ? receiver.requests : undefined));
    await new Promise((r) => setTimeout(r, 1500));
    expect(requests).toHaveLength(1);
    expect((requests[0]?.body as { text: string }).text).toMatch(/15 findings from principal arn:aws:sts::111122223333:assumed-role\/Ops\/bob/);
  });
});

describe('netdrift serve --log-format json', () => {
  it('writes every stderr line as JSON: the startup summary, one line per delivery and per alert sent, never the webhook URL', async () => {
    receiver = await startSlackReceiver();
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline });
    const started = await startCli(
      ['serve', '--port', '0', '--baseline', join(dir, 'baselines'), '--state', join(dir, 'state.sqlite'), '--log-format', 'json'],
      /serving on (http:\/\/[\d.]+:\d+)/, { NETDRIFT_SLACK_WEBHOOK_URL: receiver.url },
    );
    child = started.child;
    const post = (body: string) => fetch(`${started.match[1] ?? ''}/aws/events`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const event = JSON.stringify(eventBridge(cloudTrail('ReplaceRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0abc' })));

    expect((await post(event)).status).toBe(202);
    expect((await post(event)).status).toBe(202);
    expect((await post('{"detail-type": 42}')).status).toBe(400);
    const lines = () => started.stderr().split('\n').filter(Boolean);
    await waitFor(() => (lines().some((l) => l.includes('alert sent to slack')) ? true : undefined));

    const records = lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.every((r) => typeof r.level === 'string' && typeof r.time === 'string' && typeof r.message === 'string')).toBe(true);
    expect(records.some((r) => String(r.message).startsWith('serve: baselines'))).toBe(true);
    const deliveries = records.filter((r) => r.message === 'delivery');
    expect(deliveries.map(({ adapter, records: n, outcomes, opened, source }) => ({ adapter, records: n, outcomes, opened, source }))).toEqual([
      { adapter: 'aws-eventbridge', records: 1, outcomes: { applied: 1 }, opened: 1, source: 'HTTP' },
      { adapter: 'aws-eventbridge', records: 1, outcomes: { duplicate: 1 }, opened: 0, source: 'HTTP' },
      { adapter: undefined, records: 1, outcomes: { rejected: 1 }, opened: 0, source: 'HTTP' },
    ]);
    expect(new Set(deliveries.map((d) => d.requestId)).size).toBe(3);
    expect(deliveries.every((d) => typeof d.durationMs === 'number')).toBe(true);
    expect(records.filter((r) => String(r.message).startsWith('alert sent'))).toEqual([
      expect.objectContaining({ level: 'info', message: 'alert sent to slack', sink: 'slack', rule: 'route.target-changed', status: 'open', severity: 'critical', findings: 1 }),
    ]);
    expect(started.stderr()).not.toContain(receiver.url);
  }, 30_000);

  it('refuses a log format it does not know: exit 2, one line', async () => {
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline });

    const result = await runCli(['serve', '--port', '0', '--baseline', join(dir, 'baselines'), '--log-format', 'yaml']);

    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/--log-format/);
  });
});
