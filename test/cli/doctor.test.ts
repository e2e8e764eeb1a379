import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../../adapters/local/sqlite-state-store.js';
import type { Snapshot } from '../../core/snapshot.js';
import { approveCandidate, saveCandidate } from '../../snapshots/lifecycle.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';
import { runCli, tempTree } from '../support/cli.js';
import { startReceiver, type Receiver } from '../support/receivers.js';
import { ACCOUNT, baseline } from './aws-events.js';

/**
 * `netdrift doctor` through the built CLI: a good setup passes every check (exit 0); each broken one
 * fails exactly its own line with what to do (exit 1). Sinks are local HTTP receivers answering as
 * Slack, PagerDuty and a webhook receiver do. The readers are checked on moto in doctor-aws.test.ts.
 */
const ROUTING_KEY = 'R0123456789abcdefghijklmnopqrstu';
/** What Slack answers a message without text (https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks#handling-errors). */
const SLACK_NO_TEXT = { status: 400, headers: { 'content-type': 'text/html' }, body: 'no_text' };

let slack: Receiver;
let pagerduty: Receiver;
let hook: Receiver;
let dir = '';

beforeAll(async () => {
  [slack, pagerduty, hook] = await Promise.all([
    startReceiver(SLACK_NO_TEXT), startReceiver({ status: 202, body: { status: 'success' } }), startReceiver({ status: 200, body: 'ok' }),
  ]);
});
afterAll(async () => { await Promise.all([slack.close(), pagerduty.close(), hook.close()]); });
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
  for (const receiver of [slack, pagerduty, hook]) receiver.requests.length = 0;
});

function config(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    baselines: 'baselines', state: 'state.sqlite',
    sinks: {
      slack: { webhookUrl: `${slack.url}/services/T000/B000/secret-token-1234` },
      pagerduty: { routingKey: ROUTING_KEY, url: `${pagerduty.url}/v2/enqueue` },
      hook: { type: 'webhook', url: `${hook.url}/netdrift`, secret: 'a-shared-secret-of-32-characters' },
    },
    ...extra,
  }, null, 2);
}

/** A folder with a config, an approved baseline (by alice) and a state store the pipeline made. */
async function goodSetup(extra: Record<string, unknown> = {}): Promise<{ sha256: string; approvedAt: string }> {
  dir = await tempTree({ 'netdrift.json': config(extra) });
  const store = new FilesystemSnapshotStore(join(dir, 'baselines'));
  await saveCandidate(store, structuredClone(baseline) as Snapshot);
  const { approval } = await approveCandidate(store, { cloud: 'aws', account: ACCOUNT }, { approvedBy: 'alice' });
  await new SqliteStateStore(join(dir, 'state.sqlite')).close();
  return { sha256: approval.sha256, approvedAt: approval.approvedAt };
}

const doctor = (...args: string[]) => runCli(['doctor', '--config', 'netdrift.json', ...args], { cwd: dir });
const host = (receiver: Receiver) => receiver.url.replace('http://', '');
const lines = (stdout: string) => stdout.trimEnd().split('\n');
const baselineFile = () => join(dir, 'baselines', 'aws', `${ACCOUNT}.json`);

describe('netdrift doctor: a good setup', () => {
  it('passes every check, one line each, without posting anything', async () => {
    const { sha256, approvedAt } = await goodSetup();

    const result = await doctor('--skip', 'reader');

    expect(result.stderr).toBe('');
    expect(lines(result.stdout)).toEqual([
      'ok   config  netdrift.json: 3 sinks, 0 routes, 0 suppressions',
      `ok   sink slack  ${host(slack)}: webhook exists (an empty message was refused: HTTP 400 no_text; nothing posted; --send-test posts one)`,
      `ok   sink pagerduty  routing key has the shape of an integration key; ${host(pagerduty)} not contacted (--send-test triggers and resolves a test incident)`,
      `ok   sink hook  ${host(hook)}: not contacted (--send-test posts a signed test message)`,
      'ok   state state.sqlite  SQLite: 0 open findings, 0 alerts in the outbox',
      'ok   snapshots baselines  1 account',
      `ok   baseline aws/${ACCOUNT}  2 resources, approved by alice at ${approvedAt}, sha256 ${sha256.slice(0, 12)}… matches`,
      'skip reader  skipped (--skip)',
      'all 7 checks passed',
    ]);
    expect(result.code).toBe(0);
    // The Slack probe is an empty message, which Slack refuses; PagerDuty and the webhook are not contacted.
    expect(slack.requests.map((r) => [r.method, r.path, r.text])).toEqual([['POST', '/services/T000/B000/secret-token-1234', '{}']]);
    expect(pagerduty.requests).toEqual([]);
    expect(hook.requests).toEqual([]);
  });

  it('--send-test posts a test message to each sink, and triggers then resolves one PagerDuty incident', async () => {
    await goodSetup();
    slack.respondWith({ status: 200, body: 'ok' });

    const result = await doctor('--skip', 'state,baseline,reader', '--send-test');

    expect(result.code).toBe(0);
    const out = lines(result.stdout);
    expect(out[1]).toBe(`ok   sink slack  ${host(slack)}: test message posted to the webhook's channel`);
    expect(out[2]).toMatch(new RegExp(`^ok   sink pagerduty  ${host(pagerduty)}: test incident triggered and resolved \\(dedup key netdrift-doctor-\\S+\\)$`));
    expect(out[3]).toBe(`ok   sink hook  ${host(hook)}: signed test message accepted`);
    expect((slack.requests[0]?.body as { text: string }).text).toMatch(/^netdrift doctor: test message from \S+ at \S+; no action needed$/);
    const [trigger, resolve] = pagerduty.requests.map((r) => r.body as { event_action: string; dedup_key: string; routing_key: string });
    expect([trigger?.event_action, resolve?.event_action]).toEqual(['trigger', 'resolve']);
    expect(resolve?.dedup_key).toBe(trigger?.dedup_key);
    expect(trigger?.routing_key).toBe(ROUTING_KEY);
    expect(hook.requests[0]?.headers['x-netdrift-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
  });

  it('--format json: one JSON object per check, no summary line', async () => {
    await goodSetup();

    const result = await doctor('--skip', 'sink,reader', '--format', 'json');

    expect(result.code).toBe(0);
    const records = lines(result.stdout).map((line) => JSON.parse(line) as { status: string; area: string; name?: string });
    expect(records.map((r) => [r.status, r.area, r.name])).toEqual([
      ['ok', 'config', undefined], ['skip', 'sink', undefined], ['ok', 'state', 'state.sqlite'],
      ['ok', 'snapshots', 'baselines'], ['ok', 'baseline', `aws/${ACCOUNT}`], ['skip', 'reader', undefined],
    ]);
  });

  it('--help prints the usage of doctor (exit 0)', async () => {
    dir = await tempTree({});
    const result = await runCli(['doctor', '--help'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage:\n {2}netdrift doctor \[STORE\] \[--state FILE\|dynamodb:\/\/T\|aztable:\/\/A\/T\|firestore:\/\/P\]/);
  });
});

describe('netdrift doctor: baselines', () => {
  it('a missing baseline folder fails the snapshot store and names the fix', async () => {
    await goodSetup();

    const result = await doctor('--skip', 'sink,reader', '--baseline', 'no-such-dir');

    expect(lines(result.stdout).slice(3, 6)).toEqual([
      `FAIL snapshots no-such-dir  folder ${join(dir, 'no-such-dir')} does not exist: set baselines in the config (or --baseline DIR) to the folder that holds <cloud>/<account>.json, or capture and approve one (netdrift snapshot capture --cloud C --account ID …, then netdrift snapshot approve)`,
      'skip baseline  not checked: the snapshot store cannot be read',
      'skip reader  skipped (--skip)',
    ]);
    expect(lines(result.stdout).at(-1)).toBe('1 of 3 checks failed');
    expect(result.code).toBe(1);
  });

  it('an empty baseline folder fails: no event can be checked', async () => {
    await goodSetup();
    await mkdir(join(dir, 'empty'));

    const result = await doctor('--skip', 'sink,state,reader', '--baseline', 'empty');

    expect(lines(result.stdout).slice(3, 5)).toEqual([
      'ok   snapshots empty  0 accounts',
      'FAIL baseline  none in empty: no event can be checked: capture and approve one (netdrift snapshot capture --cloud C --account ID …, then netdrift snapshot approve)',
    ]);
    expect(result.code).toBe(1);
  });

  it('an invalid baseline fails with the file, the path in it, and the fix', async () => {
    await goodSetup();
    const document = JSON.parse(await readFile(baselineFile(), 'utf8')) as { resources: { routes?: { target: { type: string } }[] }[] };
    const routes = document.resources.find((r) => r.routes)?.routes;
    if (routes?.[1]) routes[1].target.type = 'gateway';
    // Canonical order: the private endpoint, then the route table.
    await writeFile(baselineFile(), JSON.stringify(document));

    const result = await doctor('--skip', 'sink,state,reader');

    expect(lines(result.stdout)[4]).toBe(
      `FAIL baseline aws/${ACCOUNT}  ${baselineFile()}: resources[1].routes[1].target.type: invalid option "gateway" `
      + '(expected local | internet | nat | private-endpoint | peering | transit | vpn | appliance | blackhole | other): '
      + `correct or restore ${baselineFile()} (netdrift snapshot capture, then approve)`,
    );
    expect(result.code).toBe(1);
  });

  it('a baseline kept under another account fails as a scope mismatch', async () => {
    await goodSetup();
    const other = join(dir, 'baselines', 'aws', '444455556666.json');
    await writeFile(other, await readFile(baselineFile(), 'utf8'));

    const result = await doctor('--skip', 'sink,state,reader');

    expect(lines(result.stdout).slice(3, 6)).toEqual([
      'ok   snapshots baselines  2 accounts',
      expect.stringMatching(new RegExp(`^ok   baseline aws/${ACCOUNT}  2 resources, approved by alice`)),
      `FAIL baseline aws/444455556666  ${other}: scope is aws/${ACCOUNT}, but the file is kept for aws/444455556666: `
      + `move ${other} to the file of aws/${ACCOUNT}, or restore aws/444455556666's own baseline`,
    ]);
    expect(result.code).toBe(1);
  });

  it('a baseline edited by hand after approval fails: its sha256 no longer matches', async () => {
    const { sha256 } = await goodSetup();
    const document = JSON.parse(await readFile(baselineFile(), 'utf8')) as { resources: { routes?: { target: { type: string; id?: string } }[] }[] };
    const routes = document.resources.find((r) => r.routes)?.routes;
    if (routes?.[1]) routes[1].target = { type: 'internet', id: 'igw-0hand' };
    await writeFile(baselineFile(), JSON.stringify(document, null, 2));

    const result = await doctor('--skip', 'sink,state,reader');

    expect(lines(result.stdout)[4]).toMatch(new RegExp(
      `^FAIL baseline aws/${ACCOUNT}  ${baselineFile()}: refused: content changed since approval: sha256 [0-9a-f]{12}… ≠ approved ${sha256.slice(0, 12)}…: `
      + `restore ${baselineFile()} from its approved version \\(history\\), or capture and approve a new one \\(netdrift snapshot approve\\)$`,
    ));
    expect(result.code).toBe(1);
  });

  it('with an approval HMAC key configured, a baseline approved without one fails', async () => {
    await goodSetup({ approvalHmacKey: 'approvers-only-key' });

    const result = await doctor('--skip', 'sink,state,reader');

    expect(lines(result.stdout)[0]).toBe('ok   config  netdrift.json: 3 sinks, 0 routes, 0 suppressions, approval HMAC key set');
    expect(lines(result.stdout)[4]).toBe(
      `FAIL baseline aws/${ACCOUNT}  ${baselineFile()}: refused: approval has no hmac: `
      + `restore ${baselineFile()} from its approved version (history), or capture and approve a new one (netdrift snapshot approve with NETDRIFT_APPROVAL_HMAC_KEY set)`,
    );
    expect(result.code).toBe(1);
  });

  it('an account with only a candidate fails: nothing is approved for it', async () => {
    await goodSetup();
    const store = new FilesystemSnapshotStore(join(dir, 'baselines'));
    await saveCandidate(store, { ...structuredClone(baseline), scope: { cloud: 'aws', account: '777788889999' } } as Snapshot);

    const result = await doctor('--skip', 'sink,state,reader');

    expect(lines(result.stdout)[5]).toBe(
      'FAIL baseline aws/777788889999  only a candidate, no approved baseline: its events are not checked: '
      + 'review and approve it: netdrift snapshot diff --cloud aws --account 777788889999, then netdrift snapshot approve --cloud aws --account 777788889999',
    );
    expect(result.code).toBe(1);
  });
});

describe('netdrift doctor: sinks', () => {
  it('--send-test against sinks answering 4xx: each fails with the answer and what to check', async () => {
    await goodSetup();
    slack.respondWith({ status: 404, headers: { 'content-type': 'text/html' }, body: 'no_service' });
    pagerduty.respondWith({ status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors: ['Length of \'routing_key\' is incorrect (should be 32 characters)'] } });
    hook.respondWith({ status: 401, body: 'bad signature' });

    const result = await doctor('--skip', 'state,baseline,reader', '--send-test');

    expect(lines(result.stdout).slice(1, 4)).toEqual([
      `FAIL sink slack  ${host(slack)}: slack: rejected the alert (HTTP 404): no_service: check sinks.slack.webhookUrl: create a new incoming webhook if Slack no longer knows this one`,
      `FAIL sink pagerduty  ${host(pagerduty)}: pagerduty: rejected the alert (HTTP 400): Event object is invalid: Length of 'routing_key' is incorrect (should be 32 characters): `
      + 'check sinks.pagerduty.routingKey is the service\'s Events API v2 integration key and sinks.pagerduty.region its service region',
      `FAIL sink hook  ${host(hook)}: hook: rejected the alert (HTTP 401): bad signature: check sinks.hook.url, and that the receiver verifies with the same secret as sinks.hook.secret`,
    ]);
    expect(result.stdout).not.toContain('secret-token-1234');
    expect(result.code).toBe(1);
  });

  it('without --send-test, a Slack webhook that is gone fails, and nothing is posted', async () => {
    await goodSetup();
    slack.respondWith({ status: 404, headers: { 'content-type': 'text/html' }, body: 'no_service' });

    const result = await doctor('--skip', 'state,baseline,reader');

    expect(lines(result.stdout)[1]).toBe(
      `FAIL sink slack  ${host(slack)}: the webhook is gone or revoked (HTTP 404 no_service): create a new incoming webhook for the channel and set sinks.slack.webhookUrl (or NETDRIFT_SLACK_WEBHOOK_URL)`,
    );
    expect(result.code).toBe(1);
  });

  it('a PagerDuty routing key of the wrong shape fails before anything is sent', async () => {
    await goodSetup();
    await writeFile(join(dir, 'netdrift.json'), config().replace(ROUTING_KEY, 'u+abc123'));

    const result = await doctor('--skip', 'state,baseline,reader', '--send-test');

    expect(lines(result.stdout)[2]).toBe(
      'FAIL sink pagerduty  routing key is 8 characters, not an Events API v2 integration key (32 letters and digits): '
      + 'copy the Integration Key of the service\'s "Events API v2" integration into sinks.pagerduty.routingKey (or NETDRIFT_PAGERDUTY_ROUTING_KEY)',
    );
    expect(pagerduty.requests).toEqual([]);
    expect(result.stdout).not.toContain('u+abc123');
    expect(result.code).toBe(1);
  });
});

describe('netdrift doctor: the state store', () => {
  it('a state path that is a folder fails', async () => {
    await goodSetup();
    await mkdir(join(dir, 'a-folder'));

    const result = await doctor('--skip', 'sink,baseline,reader', '--state', 'a-folder');

    expect(lines(result.stdout)[2]).toBe('FAIL state a-folder  not a file (a folder?): set state in the config (--state) to the SQLite file, e.g. .netdrift/state.sqlite');
    expect(result.code).toBe(1);
  });

  it('a state file that is not a database fails, and is left as it was', async () => {
    await goodSetup();
    await writeFile(join(dir, 'notes.txt'), 'not a database, just text that is long enough to have a header'.repeat(4));

    const result = await doctor('--skip', 'sink,baseline,reader', '--state', 'notes.txt');

    expect(lines(result.stdout)[2]).toBe(
      'FAIL state notes.txt  SQLite: cannot read: file is not a database (SQLITE_NOTADB): restore the file from a backup, or move it away to start a new one',
    );
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toMatch(/^not a database/);
    expect(result.code).toBe(1);
  });

  it('a state file not made yet passes, and doctor does not make it', async () => {
    await goodSetup();

    const result = await doctor('--skip', 'sink,baseline,reader', '--state', 'later/state.sqlite');

    expect(lines(result.stdout)[2]).toBe('ok   state later/state.sqlite  SQLite: no file yet (the first serve or replay --state creates it)');
    await expect(readFile(join(dir, 'later/state.sqlite'))).rejects.toThrow(/ENOENT/);
    expect(result.code).toBe(0);
  });

  it('a state path under a file fails', async () => {
    await goodSetup();

    const result = await doctor('--skip', 'sink,baseline,reader', '--state', 'netdrift.json/state.sqlite');

    expect(lines(result.stdout)[2]).toBe('FAIL state netdrift.json/state.sqlite  cannot read (ENOTDIR): fix the path or its permissions, or set state in the config (--state)');
    expect(result.code).toBe(1);
  });
});

describe('netdrift doctor: config and usage', () => {
  it('an invalid config fails its line and skips the rest', async () => {
    dir = await tempTree({ 'netdrift.json': { sinks: { slack: { webhookUrl: 'not a url' } } } });

    const result = await doctor();

    expect(lines(result.stdout)).toEqual([
      'FAIL config  config netdrift.json sinks.slack.webhookUrl: Invalid URL: correct the setting it names',
      'skip checks  sinks, stores, baselines and readers need a valid config',
      '1 of 1 checks failed',
    ]);
    expect(result.code).toBe(1);
  });

  it.each([
    [['--format', 'xml'], 'netdrift: --format: expected one of text, json, got "xml"'],
    [['--clouds', 'mars'], 'netdrift: --clouds: expected aws, azure, gcp (comma-separated), got "mars"'],
    [['--skip', 'config'], 'netdrift: --skip: expected sink, state, baseline, reader (comma-separated), got "config"'],
    [['--state', 'redis://cache'], 'netdrift: --state redis://cache: unknown scheme "redis://"; expected a SQLite file, dynamodb://TABLE, aztable://ACCOUNT/TABLE, firestore://PROJECT[/DATABASE][?prefix=P]'],
  ])('%j is a usage error (exit 2)', async (args, line) => {
    await goodSetup();
    const result = await doctor('--skip', 'sink,baseline,reader', ...args);
    expect(result.stderr.split('\n')[0]).toBe(line);
    expect(result.code).toBe(2);
  });
});
