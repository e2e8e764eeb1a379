import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli, tempTree } from '../support/cli.js';
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

async function until<T>(probe: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

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
    await until(() => (lines().some((l) => l.includes('alert sent to slack')) ? true : undefined));

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
    const { runCli } = await import('../support/cli.js');

    const result = await runCli(['serve', '--port', '0', '--baseline', join(dir, 'baselines'), '--log-format', 'yaml']);

    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/--log-format/);
  });
});
