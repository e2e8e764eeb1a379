import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSlackReceiver, type Receiver } from '../support/receivers.js';
import { runCli, tempTree } from '../support/cli.js';
import { baseline, cloudTrail, eventBridge } from './aws-events.js';

const toIgw = () => eventBridge(cloudTrail('ReplaceRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0abc' }));
const endpointGone = () => eventBridge(cloudTrail('DeleteVpcEndpoints', { DeleteVpcEndpointsRequest: { VpcEndpointId: [{ content: 'vpce-0s301', tag: 1 }] } }));

// Each case starts the built CLI (seconds on a busy machine).
const SLOW = 60_000;

let dir = '';
let slack: Receiver | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
  await slack?.close();
  slack = undefined;
});

describe('commands that only read the state file create nothing', () => {
  it.each([
    [['findings', 'list']], [['outbox', 'list']], [['outbox', 'redrive']],
  ])('netdrift %j --state on a missing file: exit 2, one line, no folder, no database', async (command) => {
    dir = await tempTree({});
    const state = join(dir, 'nonexistent', 'state.sqlite');

    const result = await runCli([...command, '--state', state]);

    expect(result).toEqual({ code: 2, stdout: '', stderr: `netdrift: --state ${state}: no such file; give --state the file that serve or replay --state wrote\n` });
    expect(existsSync(join(dir, 'nonexistent'))).toBe(false);
  }, SLOW);

  it('the default state file, when absent, is named as such and not created', async () => {
    dir = await tempTree({});

    const result = await runCli(['findings', 'list'], { cwd: dir });

    expect(result).toEqual({ code: 2, stdout: '', stderr: 'netdrift: state file .netdrift/state.sqlite: no such file; give --state the file that serve or replay --state wrote\n' });
    expect(await readdir(dir)).toEqual([]);
  }, SLOW);

  it('NETDRIFT_STATE naming a folder says so', async () => {
    dir = await tempTree({ 'state/.keep': '' });

    const result = await runCli(['outbox', 'list'], { cwd: dir, env: { NETDRIFT_STATE: join(dir, 'state') } });

    expect(result).toEqual({ code: 2, stdout: '', stderr: `netdrift: NETDRIFT_STATE ${join(dir, 'state')}: not a file; give --state the file that serve or replay --state wrote\n` });
  }, SLOW);

  it('a file that is not a state store: exit 2, one line, the file untouched', async () => {
    dir = await tempTree({ 'notes.txt': 'not a database\n'.repeat(100) });
    const file = join(dir, 'notes.txt');

    const result = await runCli(['findings', 'list', '--state', file]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^netdrift: state file .*notes\.txt: not a SQLite database \(.+\)\n$/);
    expect(await readFile(file, 'utf8')).toBe('not a database\n'.repeat(100));
    expect(await readdir(dir)).toEqual(['notes.txt']);
  }, SLOW);

  it('an empty SQLite file is not taken for a state store', async () => {
    dir = await tempTree({ 'empty.sqlite': '' });

    const result = await runCli(['outbox', 'list', '--state', join(dir, 'empty.sqlite')]);

    expect(result).toEqual({ code: 2, stdout: '', stderr: `netdrift: state file ${join(dir, 'empty.sqlite')}: not a netdrift state file (no schema)\n` });
  }, SLOW);

  it('findings list reads a real state file without writing to it', async () => {
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline, 'event.json': toIgw() });
    const state = join(dir, 'state.sqlite');
    const replayed = await runCli(['replay', '--baseline', join(dir, 'baselines'), '--state', state, join(dir, 'event.json')]);
    const before = await stat(state);
    const files = await readdir(dir);

    const listed = await runCli(['findings', 'list', '--state', state, '--format', 'json']);
    const outbox = await runCli(['outbox', 'list', '--state', state]);

    expect(replayed.code).toBe(0);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ status: 'open', rule: 'route.target-changed' });
    expect(outbox).toEqual({ code: 0, stdout: '0 outbox entries\n', stderr: '' });
    expect((await stat(state)).mtimeMs).toBe(before.mtimeMs);
    expect(await readdir(dir)).toEqual(files);
  }, SLOW);
});

describe('NETDRIFT_* settings are checked, and named, before anything runs', () => {
  it.each([
    ['NETDRIFT_SLACK_MIN_SEVERITY', 'urgent', 'netdrift: environment NETDRIFT_SLACK_MIN_SEVERITY: expected one of info, low, medium, high, critical, got "urgent"; correct or unset it'],
    ['NETDRIFT_PAGERDUTY_MIN_SEVERITY', 'HIGH', 'netdrift: environment NETDRIFT_PAGERDUTY_MIN_SEVERITY: expected one of info, low, medium, high, critical, got "HIGH"; correct or unset it'],
    ['NETDRIFT_EVENT_TTL_HOURS', 'two days', 'netdrift: environment NETDRIFT_EVENT_TTL_HOURS: expected a positive number of hours, got "two days"; correct or unset it'],
    ['NETDRIFT_PAGERDUTY_URL', 'events.pagerduty', 'netdrift: environment NETDRIFT_PAGERDUTY_URL: expected a URL, got "events.pagerduty"; correct or unset it'],
    // A secret's value is never repeated.
    ['NETDRIFT_SLACK_WEBHOOK_URL', 'xoxb-secret-token', 'netdrift: environment NETDRIFT_SLACK_WEBHOOK_URL: expected a Slack incoming-webhook URL, got something else (value not shown); correct or unset it'],
  ])('%s=%s: exit 2, one line naming the variable and what it takes', async (name, value, line) => {
    dir = await tempTree({});

    const findings = await runCli(['findings', 'list'], { cwd: dir, env: { [name]: value } });

    expect(findings).toEqual({ code: 2, stdout: '', stderr: `${line}\n` });
  }, SLOW);

  it('replay checks them too, before reading any event', async () => {
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline, 'event.json': toIgw() });

    const replay = await runCli(['replay', '--baseline', join(dir, 'baselines'), join(dir, 'event.json')], { env: { NETDRIFT_SLACK_MIN_SEVERITY: 'urgent' } });

    expect(replay).toEqual({
      code: 2, stdout: '',
      stderr: 'netdrift: environment NETDRIFT_SLACK_MIN_SEVERITY: expected one of info, low, medium, high, critical, got "urgent"; correct or unset it\n',
    });
  }, SLOW);

  it('NETDRIFT_SLACK_MIN_SEVERITY is honoured: a high finding stays out of Slack at critical', async () => {
    slack = await startSlackReceiver();
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline, 'events/1.json': toIgw(), 'events/2.json': endpointGone() });
    const env = { NETDRIFT_SLACK_WEBHOOK_URL: `${slack.url}/services/T0/B0/xyz`, NETDRIFT_SLACK_MIN_SEVERITY: 'critical' };

    const result = await runCli(['replay', '--baseline', join(dir, 'baselines'), '--format', 'json', '--send', join(dir, 'events')], { env });

    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { severity: string }).severity).sort()).toEqual(['critical', 'high']);
    expect(slack.requests).toHaveLength(1);
    expect(JSON.stringify(slack.requests[0]?.body)).toContain('route.target-changed');
  }, SLOW);

  it('--config naming a missing file says which flag to fix', async () => {
    dir = await tempTree({});
    const missing = join(dir, 'netdrift.yaml');

    expect(await runCli(['findings', 'list', '--config', missing])).toEqual({ code: 2, stdout: '', stderr: `netdrift: config ${missing}: no such file; give --config a file that exists\n` });
    expect(await runCli(['outbox', 'list'], { env: { NETDRIFT_CONFIG: missing } })).toEqual({ code: 2, stdout: '', stderr: `netdrift: config ${missing}: no such file; give NETDRIFT_CONFIG a file that exists\n` });
    // Given before the command, it is still the command's.
    expect(await runCli(['--config', missing, 'snapshot', 'diff', '--cloud', 'aws', '--account', '111122223333'])).toEqual({ code: 2, stdout: '', stderr: `netdrift: config ${missing}: no such file; give --config a file that exists\n` });
  }, SLOW);
});

describe('no credentials is a setup error', () => {
  it('snapshot capture without AWS credentials: exit 2, one line', async () => {
    dir = await tempTree({ 'baselines/.keep': '' });

    // An empty home, no variables, the instance metadata service off: nothing to sign in with, no traffic off 127.0.0.1.
    const result = await runCli(['snapshot', 'capture', '--cloud', 'aws', '--account', '111122223333', '--regions', 'eu-west-1', '--baseline', join(dir, 'baselines')],
      { env: { HOME: dir, AWS_EC2_METADATA_DISABLED: 'true', AWS_REGION: 'eu-west-1' } });

    // The line's wording is replay-setup.test.ts's to pin; here: a setup error, one line.
    expect(result).toEqual({ code: 2, stdout: '', stderr: expect.stringMatching(/^netdrift: sts:GetCallerIdentity of the caller: CredentialsProviderError\b[^\n]*\n$/) });
  }, SLOW);
});

// Kept apart from the cases above: this one writes a file in place.
describe('a state file of a newer netdrift', () => {
  it('is refused by a read-only command, which names the fix', async () => {
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline, 'event.json': toIgw() });
    const state = join(dir, 'state.sqlite');
    await runCli(['replay', '--baseline', join(dir, 'baselines'), '--state', state, join(dir, 'event.json')]);
    // The schema version lives at byte 60 of the SQLite header (PRAGMA user_version).
    const bytes = await readFile(state);
    bytes.writeUInt32BE(99, 60);
    await writeFile(state, bytes);

    const result = await runCli(['findings', 'list', '--state', state]);

    expect(result).toEqual({ code: 2, stdout: '', stderr: expect.stringMatching(new RegExp(`^netdrift: state file ${state}: schema version 99, this netdrift reads \\d+: upgrade netdrift\\n$`)) });
  }, SLOW);
});
