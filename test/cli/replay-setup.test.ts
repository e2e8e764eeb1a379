import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempTree } from '../support/cli.js';
import { startSlackReceiver, type Receiver } from '../support/receivers.js';
import { baseline, cloudTrail } from './aws-events.js';

const summary = (stdout: string) => stdout.trim().split('\n').at(-1);
const route = (target: Record<string, string>, eventTime: string) =>
  cloudTrail('ReplaceRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: '0.0.0.0/0', ...target }, { eventTime });

let dir = '';
let slack: Receiver | undefined;
afterEach(async () => {
  await slack?.close();
  slack = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});

describe('netdrift replay: setup mistakes are loud', () => {
  it('--baseline naming no folder exits 2 with one line naming it', async () => {
    dir = await tempTree({ 'ev.json': route({ gatewayId: 'igw-0abc' }, '2026-11-26T12:00:00Z') });

    const result = await runCli(['replay', '--baseline', '/nonexistent/dir', join(dir, 'ev.json')]);

    expect(result).toEqual({
      code: 2, stdout: '',
      stderr: 'netdrift: --baseline /nonexistent/dir: no such folder (give the folder of approved baselines, <cloud>/<account>.json)\n',
    });
  });

  it('--send with no sink configured exits 2 with one line saying how to configure one', async () => {
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline, 'ev.json': route({ gatewayId: 'igw-0abc' }, '2026-11-26T12:00:00Z') });

    const result = await runCli(['replay', '--send', '--baseline', join(dir, 'baselines'), join(dir, 'ev.json')]);

    expect(result).toEqual({
      code: 2, stdout: '',
      stderr: 'netdrift: --send: no sink configured (set NETDRIFT_SLACK_WEBHOOK_URL or NETDRIFT_PAGERDUTY_ROUTING_KEY, or sinks in the config file)\n',
    });
  });

  it('an alert that could not be sent exits 1, after one line naming the sink and the rule', async () => {
    slack = await startSlackReceiver();
    slack.respondWith({ status: 403, body: 'invalid_token' });
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline, 'ev.json': route({ gatewayId: 'igw-0abc' }, '2026-11-26T12:00:00Z') });

    const result = await runCli(['replay', '--send', '--baseline', join(dir, 'baselines'), join(dir, 'ev.json')],
      { env: { NETDRIFT_SLACK_WEBHOOK_URL: `${slack.url}/services/T0/B0/xyz` } });

    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^alert not sent to slack \(route\.target-changed\): .*403/)]);
    expect(summary(result.stdout)).toBe('1 events: 1 findings opened, 0 resolved, 0 ignored (not watched), 0 ignored (failed calls), 0 duplicates, 0 stale, 0 rejected');
  });

  it('a record dropped as a duplicate or as stale is counted in the summary, and --verbose says which file and record', async () => {
    const drift = route({ gatewayId: 'igw-0abc' }, '2026-11-26T12:05:00Z');
    const older = route({ natGatewayId: 'nat-0abc' }, '2026-11-26T12:00:00Z');
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline, 'events.json': [drift, drift, older] });
    const file = join(dir, 'events.json');

    const quiet = await runCli(['replay', '--baseline', join(dir, 'baselines'), file]);
    const verbose = await runCli(['replay', '--verbose', '--baseline', join(dir, 'baselines'), file]);

    expect({ code: quiet.code, stderr: quiet.stderr }).toEqual({ code: 0, stderr: '' });
    expect(summary(quiet.stdout)).toBe('3 events: 1 findings opened, 0 resolved, 0 ignored (not watched), 0 ignored (failed calls), 1 duplicates, 1 stale, 0 rejected');
    expect(verbose.code).toBe(0);
    expect(verbose.stderr).toBe(`duplicate ${file}#1: event ${String(drift.eventID)} already processed\n`
      + `stale ${file}#2: event ${String(older.eventID)} is older than the state it would change: not applied\n`);
    expect(verbose.stdout).toBe(quiet.stdout);
  });
});

describe('netdrift snapshot capture: missing AWS credentials', () => {
  it('says what to do, not only CredentialsProviderError', async () => {
    dir = await tempTree({ 'baselines/.keep': '' });

    // No credentials anywhere: an empty home, no variables, the instance metadata service off (no traffic leaves 127.0.0.1).
    const result = await runCli(['snapshot', 'capture', '--cloud', 'aws', '--account', '111122223333', '--regions', 'eu-west-1', '--baseline', join(dir, 'baselines')],
      { env: { HOME: dir, AWS_EC2_METADATA_DISABLED: 'true', AWS_REGION: 'eu-west-1' } });

    expect(result.code).toBe(2);
    expect(result.stderr).toBe('netdrift: sts:GetCallerIdentity of the caller: CredentialsProviderError (no AWS credentials found: sign in '
      + '(aws sso login, or AWS_PROFILE), set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role is attached)\n');
  });
});
