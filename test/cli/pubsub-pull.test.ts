import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PubSub, type Message, type Subscription, type Topic } from '@google-cloud/pubsub';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, tempTree } from '../support/cli.js';
import { describeWithPubsub, pubsubEmulatorHost } from '../support/emulator-suites.js';
import { loadFixture, type Doc } from '../support/fixtures.js';

const PROJECT = 'acme-net-prod';

/** The audited project's baseline: prod-vpc egresses through a proxy; no route to the internet gateway. */
const baseline = {
  schema: 'netdrift/snapshot@1',
  scope: { cloud: 'gcp', account: PROJECT },
  capturedAt: '2026-11-20T09:00:00Z',
  resources: [{
    kind: 'route-table', id: `projects/${PROJECT}/global/networks/prod-vpc`, region: 'global', subnets: [],
    routes: [{
      name: 'egress-via-proxy', destination: '0.0.0.0/0', priority: 1000,
      target: { type: 'appliance', id: `projects/${PROJECT}/zones/europe-west1-b/instances/egress-proxy-1` },
    }],
  }],
};

/** `compute.routes.insert` of 0.0.0.0/0 to the internet gateway, as a route named `name` (its own log entry and operation). */
function routeInsert(name: string): Doc {
  const entry = loadFixture('gcp', 'auditlog', 'compute.routes.insert');
  const payload = entry.protoPayload as Doc;
  const resource = `projects/${PROJECT}/global/routes/${name}`;
  payload.resourceName = resource;
  (payload.request as Doc).name = name;
  ((payload.authorizationInfo as Doc[])[0]?.resourceAttributes as Doc).name = resource;
  entry.insertId = `pull-${name}`;
  (entry.operation as Doc).id = `operation-pull-${name}`;
  return entry;
}

let dir = '';
let child: ChildProcess | undefined;
let stdout = '';
let stderr: () => string = () => '';
let pubsub: PubSub | undefined;
let topic: Topic | undefined;
let subscription: Subscription | undefined;

const publish = (data: string | Doc) => topic?.publishMessage({ data: Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)) });

/** The console alerts serve printed for a default route added to prod-vpc (the line names the network, not the route). */
const alerts = () => stdout.split('OPEN CRITICAL route.default-added projects/acme-net-prod/global/networks/prod-vpc:').length - 1;

async function waitFor(probe: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; stderr: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface ListedFinding { rule: string; status: string; severity: string; item?: string; eventIds: string[] }

/** The findings `findings list` shows for one route, from the state file serve writes. */
async function findingsOf(route: string): Promise<ListedFinding[]> {
  const listed = await runCli(['findings', 'list', '--state', join(dir, 'state.sqlite'), '--format', 'json']);
  if (listed.code !== 0) return [];
  return listed.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as ListedFinding).filter((f) => f.item === route);
}

/** Waits for the route's alert, then a moment in which a second one would show; its findings as `findings list` shows them. */
async function processed(route: string, alertsBefore: number, timeoutMs = 20_000): Promise<ListedFinding[]> {
  await waitFor(() => alerts() > alertsBefore, `the alert of ${route}`, timeoutMs);
  await new Promise((r) => setTimeout(r, 700));
  return findingsOf(route);
}

/** The route names of the messages a new consumer of the subscription receives (serve has stopped), acked as they come. */
async function pendingRoutes(expected: number): Promise<string[]> {
  const names: string[] = [];
  const consumer = pubsub?.subscription(subscription?.name ?? '');
  if (!consumer) return names;
  consumer.on('message', (message: Message) => {
    const entry = JSON.parse(message.data.toString()) as { protoPayload: { request: { name: string } } };
    names.push(entry.protoPayload.request.name);
    message.ack();
  });
  try {
    await waitFor(() => names.length >= expected, `${expected} messages left in the subscription`);
    await new Promise((r) => setTimeout(r, 1_000));
  } finally {
    await consumer.close();
  }
  return [...new Set(names)].sort((x, y) => (x === 'egress-at-stop' ? -1 : y === 'egress-at-stop' ? 1 : 0));
}

describeWithPubsub('netdrift serve --gcp-subscription (streaming pull from the Pub/Sub emulator)', () => {
  beforeAll(async () => {
    const host = pubsubEmulatorHost();
    pubsub = new PubSub({ projectId: 'netdrift-hub', apiEndpoint: host });
    const suffix = `${process.pid}-${Date.now()}`;
    [topic] = await pubsub.createTopic(`audit-logs-${suffix}`);
    [subscription] = await topic.createSubscription(`netdrift-${suffix}`, { ackDeadlineSeconds: 10 });
    dir = await tempTree({
      [`baselines/gcp/${PROJECT}.json`]: baseline,
      'config.json': { sinks: { console: { type: 'console' } } },
    });
    const started = await startCli([
      'serve', '--port', '0', '--baseline', join(dir, 'baselines'), '--state', join(dir, 'state.sqlite'),
      '--config', join(dir, 'config.json'), '--gcp-subscription', subscription.name, '--gcp-max-messages', '4',
    ], /pulling from \S+/, { PUBSUB_EMULATOR_HOST: host, METADATA_SERVER_DETECTION: 'none' });
    child = started.child;
    stderr = started.stderr;
    child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  }, 40_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await subscription?.delete().catch(() => undefined);
    await topic?.delete().catch(() => undefined);
    await pubsub?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('turns a LogEntry published to the topic into one finding and one alert', async () => {
    const before = alerts();

    await publish(routeInsert('egress-bypass'));
    const findings = await processed('egress-bypass', before);

    expect(findings).toMatchObject([{ rule: 'route.default-added', status: 'open', severity: 'critical', eventIds: ['pull-egress-bypass'] }]);
    expect(alerts()).toBe(before + 1);
    expect(stdout).toContain('OPEN CRITICAL route.default-added projects/acme-net-prod/global/networks/prod-vpc: default route 0.0.0.0/0 → internet:default-internet-gateway added to prod-vpc');
  });

  // The copy that arrives while the first is in flight finds its claim taken: it is nacked, and acked as a duplicate when redelivered.
  it('processes the same log entry published twice once', async () => {
    const entry = routeInsert('egress-twice');
    const before = alerts();

    await publish(entry);
    await publish(entry);
    const findings = await processed('egress-twice', before);

    expect(findings).toMatchObject([{ status: 'open', eventIds: ['pull-egress-twice'] }]);
    expect(alerts()).toBe(before + 1);
    expect(stderr().split('\n').filter((line) => line.includes('nacked')).every((line) => line.includes('being processed by another worker'))).toBe(true);
  });

  it('nacks a message the state store could not take (locked by another process), and processes it once when redelivered', async () => {
    const before = alerts();
    const lock = new Database(join(dir, 'state.sqlite'));
    lock.exec('BEGIN EXCLUSIVE');
    try {
      await publish(routeInsert('egress-retried'));
      await waitFor(() => /nacked, redelivered: .*state store busy/.test(stderr()), 'the nack', 20_000);
    } finally {
      lock.exec('COMMIT');
      lock.close();
    }

    const findings = await processed('egress-retried', before);

    expect(findings).toMatchObject([{ status: 'open', eventIds: ['pull-egress-retried'] }]);
    expect(alerts()).toBe(before + 1);
    expect(stderr().match(/Pub\/Sub message \S+: nacked, redelivered: state store busy: database is locked/g)).toHaveLength(1);
  }, 45_000);

  it('acknowledges a message that is not JSON with a one-line reason, and does not see it again', async () => {
    await publish('Welcome to the audit log feed');

    await waitFor(() => stderr().includes('data is not JSON'), 'the rejection');
    await new Promise((r) => setTimeout(r, 1_500));

    const lines = stderr().split('\n').filter((line) => line.includes('data is not JSON'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Pub\/Sub message \S+: rejected, acknowledged: Pub\/Sub pulled message \S+: data is not JSON \(got "Welcome to the audit log feed"\)$/);
  });

  it('stops on SIGTERM: what was taken is finished and acked, what was not stays in the subscription', async () => {
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    const logged = stderr().length;

    await publish(routeInsert('egress-at-stop'));
    child?.kill('SIGTERM');
    const code = await exited;
    await publish(routeInsert('egress-after-stop'));
    const taken = (await findingsOf('egress-at-stop')).length === 1;
    const left = await pendingRoutes(taken ? 1 : 2);

    expect(code).toBe(0);
    expect(stderr().slice(logged)).not.toContain('nacked');
    // Either serve took the first before it stopped (committed, acked: not redelivered) or left it to the next consumer.
    expect(left).toEqual(taken ? ['egress-after-stop'] : ['egress-at-stop', 'egress-after-stop']);
  }, 30_000);
});

describe('netdrift serve --gcp-subscription: flags', () => {
  it('refuses a subscription that is not a full name, or a flow control limit that is not a count, before it serves', async () => {
    const [short, zero] = await Promise.all([
      runCli(['serve', '--port', '0', '--gcp-subscription', 'netdrift']),
      runCli(['serve', '--port', '0', '--gcp-subscription', 'projects/acme-hub/subscriptions/netdrift', '--gcp-max-messages', '0']),
    ]);

    expect(short.code).toBe(2);
    expect(short.stderr).toContain('netdrift: --gcp-subscription: expected projects/PROJECT/subscriptions/NAME, got "netdrift"');
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('netdrift: --gcp-max-messages: expected a whole number from 1 to 1000, got "0"');
  });
});
