import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempTree } from '../support/cli.js';
import { startSlackReceiver, type Receiver } from '../support/receivers.js';
import { baseline, cloudTrail, eventBridge } from './aws-events.js';

let dir = '';
let slack: Receiver | undefined;
afterEach(async () => {
  await slack?.close();
  slack = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});

const event = () => eventBridge(cloudTrail('ReplaceRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0abc' }));

describe('the outbox across a crash', () => {
  it('a process killed between diff and send loses nothing: the next run delivers from the outbox', async () => {
    slack = await startSlackReceiver();
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline, 'event.json': event() });
    const state = join(dir, 'state.sqlite');

    const crashed = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test/support/crash-before-send.ts'), state, join(dir, 'baselines'), join(dir, 'event.json')], { cwd: ROOT, encoding: 'utf8' });
    const listed = await runCli(['outbox', 'list', '--state', state, '--format', 'json']);
    const redriven = await runCli(['outbox', 'redrive', '--state', state], { env: { NETDRIFT_SLACK_WEBHOOK_URL: `${slack.url}/services/T0/B0/xyzSecretToken` } });
    const after = await runCli(['outbox', 'list', '--state', state]);

    expect(crashed.signal).toBe('SIGKILL');
    expect(crashed.stdout).toBe('1 opened\n');
    expect(slack.requests).toHaveLength(1);
    expect(listed.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)).toMatchObject([{ sink: 'slack', state: 'pending', rule: 'route.target-changed', attempts: 0 }]);
    expect(redriven).toMatchObject({ code: 0, stdout: '0 entries redriven; 1 alerts sent, 0 failed\n' });
    expect(after.stdout).toBe('0 outbox entries\n');
  }, 30_000);
});

describe('secrets in logs', () => {
  it('no webhook URL or routing key appears in what the CLI prints when sends fail', async () => {
    slack = await startSlackReceiver();
    slack.respondWith({ status: 403, body: 'invalid_token' }, { status: 403, body: 'invalid_token' });
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline, 'event.json': event() });
    const secrets = { NETDRIFT_SLACK_WEBHOOK_URL: `${slack.url}/services/T0SECRET/B0SECRET/hunter2hunter2`, NETDRIFT_PAGERDUTY_ROUTING_KEY: 'pdkeypdkeypdkeypdkeypdkey000001', NETDRIFT_PAGERDUTY_URL: 'http://127.0.0.1:9/v2/enqueue' };

    const replayed = await runCli(['replay', '--baseline', join(dir, 'baselines'), '--state', join(dir, 'state.sqlite'), '--send', join(dir, 'event.json')], { env: secrets });
    const redriven = await runCli(['outbox', 'redrive', '--state', join(dir, 'state.sqlite')], { env: secrets });
    const listed = await runCli(['outbox', 'list', '--state', join(dir, 'state.sqlite'), '--format', 'json']);

    const printed = [replayed, redriven, listed].map((r) => r.stdout + r.stderr).join('\n');
    expect(printed).toMatch(/alert not sent to slack/);
    expect(printed).toMatch(/alert not sent to pagerduty/);
    for (const secret of ['T0SECRET', 'B0SECRET', 'hunter2hunter2', 'pdkeypdkeypdkeypdkeypdkey000001']) expect(printed).not.toContain(secret);
  }, 60_000);
});

describe('netdrift findings list', () => {
  it('shows suppressed findings, marked, that were recorded but not sent', async () => {
    slack = await startSlackReceiver();
    dir = await tempTree({
      'baselines/aws/111122223333.json': baseline, 'event.json': event(),
      'netdrift.yaml': [
        'suppressions:',
        '  - principal: "arn:aws:sts::111122223333:assumed-role/Ops/*"',
        '    until: "2099-01-01T00:00:00Z"',
        '    reason: change window CHG-42',
      ].join('\n'),
    });
    const state = join(dir, 'state.sqlite');
    const env = { NETDRIFT_SLACK_WEBHOOK_URL: `${slack.url}/services/T0/B0/xyz` };

    const replayed = await runCli(['replay', '--config', join(dir, 'netdrift.yaml'), '--baseline', join(dir, 'baselines'), '--state', state, '--send', join(dir, 'event.json')], { env });
    const listed = await runCli(['findings', 'list', '--config', join(dir, 'netdrift.yaml'), '--state', state, '--format', 'json'], { env });
    const table = await runCli(['findings', 'list', '--config', join(dir, 'netdrift.yaml'), '--state', state], { env });

    expect(replayed.code).toBe(0);
    expect(slack.requests).toHaveLength(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ status: 'open', rule: 'route.target-changed', suppressed: { reason: 'change window CHG-42' } });
    expect(table.stdout).toMatch(/^OPEN\*\s+CRITICAL\s+route\.target-changed/m);
    expect(table.stdout).toMatch(/\* suppressed: an expected change/);
  });

  it('usage errors name the problem', async () => {
    expect(await runCli(['outbox', 'purge'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/outbox: expected list or redrive, got "purge"/) });
    expect(await runCli(['findings', 'list', '--status', 'closed'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--status: expected one of open, resolved, got "closed"/) });
  });
});
