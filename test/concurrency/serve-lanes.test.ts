import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, startCli, tempTree } from '../support/cli.js';
import { startPagerDutyReceiver, startSlackReceiver, type Receiver } from '../support/receivers.js';
import { alertedTables, defaultRouteEvent, routeTable, routeTablesBaseline, waitFor } from './drift-events.js';

/** The built `netdrift serve` (dist/cli), with Slack and PagerDuty at local receivers. */
let dir: string;
let serve: ChildProcess | undefined;
let slack: Receiver;
let pagerduty: Receiver;
beforeEach(async () => {
  slack = await startSlackReceiver();
  pagerduty = await startPagerDutyReceiver();
  dir = await tempTree({ 'baselines/aws/111122223333.json': routeTablesBaseline(8) });
});
afterEach(async () => {
  serve?.kill('SIGKILL');
  serve = undefined;
  await slack.close();
  await pagerduty.close();
  await rm(dir, { recursive: true, force: true });
});

const env = () => ({
  NETDRIFT_SLACK_WEBHOOK_URL: `${slack.url}/services/T0/B0/secret`,
  NETDRIFT_PAGERDUTY_ROUTING_KEY: 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY00',
  NETDRIFT_PAGERDUTY_URL: `${pagerduty.url}/v2/enqueue`,
});

async function startServe(): Promise<string> {
  const started = await startCli(
    ['serve', '--port', '0', '--baseline', join(dir, 'baselines'), '--state', join(dir, 'state.sqlite')],
    /serving on (http:\/\/[\d.]+:\d+)/, env(),
  );
  serve = started.child;
  return started.match[1] ?? '';
}

async function post(base: string, event: unknown): Promise<number> {
  const response = await fetch(`${base}/aws/events`, { method: 'POST', body: JSON.stringify(event), headers: { 'content-type': 'application/json' } });
  return response.status;
}

describe('netdrift serve delivers each sink in its own lane', () => {
  it('pages PagerDuty within 2 s of each drift while Slack hangs', async () => {
    // Slack takes every request and never answers (until its client times out).
    slack.respondWith(...Array.from({ length: 20 }, () => ({ status: 200, body: 'ok', delayMs: 120_000 })));
    const base = await startServe();

    const firstAt = Date.now();
    expect(await post(base, defaultRouteEvent(0, 'hang'))).toBe(202);
    await waitFor(() => pagerduty.requests.length === 1, 2_000, 'the first page');
    await waitFor(() => slack.requests.length === 1, 2_000, 'Slack to be hanging on the first alert');
    const secondAt = Date.now();
    expect(await post(base, defaultRouteEvent(1, 'hang'))).toBe(202);
    await waitFor(() => pagerduty.requests.length === 2, 2_000, 'the second page, with Slack still hanging');

    expect((pagerduty.requests[0]?.receivedAt ?? Infinity) - firstAt).toBeLessThan(2_000);
    expect((pagerduty.requests[1]?.receivedAt ?? Infinity) - secondAt).toBeLessThan(2_000);
    expect(alertedTables(pagerduty)).toEqual([routeTable(0), routeTable(1)]);
    expect(slack.requests).toHaveLength(1);
  }, 30_000);

  it('and `outbox redrive` run beside it sends nothing twice', async () => {
    // The first Slack alert is refused (a 400: rejected, for redrive); the others go, one a second.
    slack.respondWith({ status: 400, body: 'invalid_blocks' });
    const base = await startServe();
    for (let i = 0; i < 6; i += 1) expect(await post(base, defaultRouteEvent(i, 'redrive'))).toBe(202);
    await waitFor(() => slack.requests.length >= 2, 10_000, 'the rejection and the next alert');

    // While serve is still sending the rest, a person redrives the rejected one.
    const redriven = await runCli(['outbox', 'redrive', '--state', join(dir, 'state.sqlite')], { env: env() });
    await waitFor(() => slack.requests.length >= 7, 20_000, 'every Slack alert');
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const list = await runCli(['outbox', 'list', '--state', join(dir, 'state.sqlite'), '--format', 'json']);

    expect(redriven.stdout).toMatch(/^1 entries redriven/m);
    const delivered = alertedTables({ ...slack, requests: slack.requests.slice(1) });
    expect(delivered.sort()).toEqual(Array.from({ length: 6 }, (_, i) => routeTable(i)));
    expect(alertedTables(pagerduty).sort()).toEqual(Array.from({ length: 6 }, (_, i) => routeTable(i)));
    // Slack's one message a second held across the two processes (they share it through the state
    // file): slots a second apart; arrivals add each process's scheduling delay on a busy machine,
    // while two processes each keeping their own limit would send in the same instant.
    const times = slack.requests.map((r) => r.receivedAt);
    for (let i = 1; i < times.length; i += 1) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(500);
    expect(list.stdout).toBe('');
  }, 60_000);
});
