import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FirestoreStateStore } from '../../adapters/gcp/firestore-state-store.js';
import { API, auditLog, base64Json, load, NETWORK, PROJECT, pushWith, setPath, SUBNET, type Doc } from '../adapters/gcp/fixtures.js';
import { signedToken, signingKey, type TestSigningKey } from '../functions/shared/auth/tokens.js';
import { ServedFunction } from '../functions/gcp/functions-framework.js';
import { FakeMetadataServer } from '../functions/gcp/metadata-server.js';
import { runCli } from '../support/cli.js';
import { describeWithFirestore, firestoreEmulatorHost } from '../support/emulator-suites.js';
import { FakeGcp } from '../support/fake-gcp.js';
import { startPagerDutyReceiver, startSlackReceiver, type Receiver } from '../support/receivers.js';

/**
 * The GCP deployed path end to end through the BUILT source (dist/gcp), each function served by the
 * real Functions Framework in its own process as Cloud Run starts it: state and snapshots in the
 * Firestore emulator, Compute read back from the local Compute/DNS server with a token from a local
 * metadata server (as on Cloud Run), alerts to local Slack and PagerDuty receivers. Deliveries arrive
 * as Eventarc (binary and structured CloudEvents) and Pub/Sub push (OIDC tokens signed with a test
 * key whose JWKS the functions read from NETDRIFT_OIDC_JWKS_FILE) send them.
 */
const PUSH_AUDIENCE = 'https://pubsub-netdrift.a.run.app/';
const PUSH_ACCOUNT = 'push@acme-net-prod.iam.gserviceaccount.com';
const INVOKER_AUDIENCE = 'https://refresh-netdrift.a.run.app/';
const SCHEDULER_ACCOUNT = 'scheduler@acme-net-prod.iam.gserviceaccount.com';
const ROUTE = `projects/${PROJECT}/global/routes/egress-bypass`;
const GATEWAY = `${API}projects/${PROJECT}/global/gateways/default-internet-gateway`;
const prefix = `e2e${randomUUID().slice(0, 8)}`;

let gcp: FakeGcp;
let metadata: FakeMetadataServer;
let slack: Receiver;
let pagerduty: Receiver;
let key: TestSigningKey;
const served: Record<string, ServedFunction> = {};

const bearer = (audience: string, email: string) => {
  const now = Math.floor(Date.now() / 1000);
  return { authorization: `Bearer ${signedToken(key, { iss: 'https://accounts.google.com', aud: audience, email, email_verified: true, iat: now, exp: now + 600, sub: '1' })}` };
};
const asPush = (entry: Doc, messageId: string) => setPath(pushWith(base64Json(entry)), 'message.messageId', messageId);
/** Eventarc's binary mode: the CloudEvent's attributes as ce- headers, the LogEntry as the body. */
const binaryAuditLog = (entry: Doc, id: string) => served.events!.post(entry, {
  'ce-specversion': '1.0', 'ce-type': 'google.cloud.audit.log.v1.written', 'ce-id': id, 'ce-time': '2026-11-26T09:14:15Z',
  'ce-source': `//cloudaudit.googleapis.com/projects/${PROJECT}/logs/activity`, 'ce-subject': `compute.googleapis.com/${ROUTE}`,
});
/** Eventarc's structured mode for a Pub/Sub topic: the whole CloudEvent as JSON. */
const structuredMessage = (entry: Doc, id: string) => served.events!.post({
  specversion: '1.0', type: 'google.cloud.pubsub.topic.v1.messagePublished', id, source: `//pubsub.googleapis.com/projects/${PROJECT}/topics/netdrift-audit`,
  datacontenttype: 'application/json', data: { message: { data: base64Json(entry), messageId: id, publishTime: '2026-11-26T09:14:16Z' }, subscription: `projects/${PROJECT}/subscriptions/eventarc` },
}, { 'content-type': 'application/cloudevents+json' });
const findings = () => new FirestoreStateStore({ firestore: emulatorFirestoreFor(), prefix }).listFindings();
const pdEvents = () => pagerduty.requests.map((r) => r.body as { event_action: string; payload?: { severity: string } });

let firestoreClient: Firestore | undefined;
/** The functions' Firestore, on the emulator: the project is theirs, the prefix this run's own. */
function emulatorFirestoreFor(): Firestore {
  process.env.FIRESTORE_EMULATOR_HOST = firestoreEmulatorHost();
  firestoreClient ??= new Firestore({ projectId: PROJECT, ignoreUndefinedProperties: true });
  return firestoreClient;
}

function seed(fake: FakeGcp): void {
  fake.put(NETWORK, {});
  fake.put(`projects/${PROJECT}/global/routes/default-route-app`, { network: `${API}${NETWORK}`, destRange: '10.10.0.0/24', priority: 0, nextHopNetwork: `${API}${NETWORK}` });
  fake.put(SUBNET, { network: `${API}${NETWORK}`, region: `${API}projects/${PROJECT}/regions/europe-west1`, privateIpGoogleAccess: true });
}

describeWithFirestore('GCP deployed path: the built Cloud Run functions on the Functions Framework', () => {
  beforeAll(async () => {
    gcp = new FakeGcp();
    await gcp.start();
    seed(gcp);
    metadata = new FakeMetadataServer(PROJECT);
    await metadata.start();
    [slack, pagerduty] = await Promise.all([startSlackReceiver(), startPagerDutyReceiver()]);
    key = signingKey('e2e-key');
    const dir = await mkdtemp(join(tmpdir(), 'netdrift-gcp-e2e-'));
    const jwks = join(dir, 'jwks.json');
    await writeFile(jwks, JSON.stringify({ keys: [key.jwk] }));
    const env = {
      FIRESTORE_EMULATOR_HOST: firestoreEmulatorHost(), GCE_METADATA_HOST: metadata.host, GOOGLE_CLOUD_PROJECT: PROJECT,
      // On Cloud Run the library knows it is on Google (no time limit on the metadata server); off it, its
      // first ping gives up after 3 s, which a busy test machine can exceed: then "Could not load the
      // default credentials". Say what Cloud Run's residency check would.
      METADATA_SERVER_DETECTION: 'assume-present',
      NETDRIFT_FIRESTORE_PREFIX: prefix, NETDRIFT_GCP_API_ENDPOINT: gcp.url,
      NETDRIFT_SLACK_WEBHOOK_URL: `${slack.url}/services/T000/B000/XXXX`,
      NETDRIFT_PAGERDUTY_ROUTING_KEY: 'R0E2EROUTINGKEY0000000000000000', NETDRIFT_PAGERDUTY_URL: `${pagerduty.url}/v2/enqueue`,
      NETDRIFT_PUBSUB_AUDIENCE: PUSH_AUDIENCE, NETDRIFT_PUBSUB_SERVICE_ACCOUNT: PUSH_ACCOUNT,
      NETDRIFT_INVOKER_AUDIENCE: INVOKER_AUDIENCE, NETDRIFT_INVOKER_SERVICE_ACCOUNTS: `ops@acme-net-prod.iam.gserviceaccount.com,${SCHEDULER_ACCOUNT}`,
      NETDRIFT_OIDC_JWKS_FILE: jwks,
    };
    const [events, pubsub, refresh, reconcile] = await Promise.all([
      ServedFunction.start('events', 'cloudevent', env), ServedFunction.start('pubsub', 'http', env),
      ServedFunction.start('refresh', 'http', env), ServedFunction.start('reconcile', 'http', env),
    ]);
    Object.assign(served, { events, pubsub, refresh, reconcile });
  }, 60_000);

  afterAll(async () => {
    if (process.env.GCP_E2E_DEBUG) for (const fn of Object.values(served)) console.log(fn.output.join(''));
    await Promise.all(Object.values(served).map((fn) => fn.stop()));
    await Promise.all([gcp?.stop(), metadata?.stop(), slack?.close(), pagerduty?.close(), firestoreClient?.terminate()]);
  });

  it('refuses a push without a valid token and a refresh by another account (401), and processes nothing', async () => {
    const entry = auditLog('compute.routes.insert');

    const anonymous = await served.pubsub!.post(asPush(entry, 'anon-1'));
    const wrongAudience = await served.pubsub!.post(asPush(entry, 'anon-2'), bearer('https://elsewhere.example/', PUSH_ACCOUNT));
    const stranger = await served.refresh!.post({}, bearer(INVOKER_AUDIENCE, 'someone@evil.example'));

    expect([anonymous.status, wrongAudience.status, stranger.status]).toEqual([401, 401, 401]);
    expect(await findings()).toEqual([]);
  });

  it('refresh writes the candidate to Firestore; `snapshot approve --store firestore://…` makes it the baseline', async () => {
    const refreshed = await served.refresh!.post({}, bearer(INVOKER_AUDIENCE, SCHEDULER_ACCOUNT));
    const body = refreshed.body as { store: string; resources: number; project: string };
    const approved = await runCli(['snapshot', 'approve', '--cloud', 'gcp', '--account', PROJECT, '--store', body.store, '--by', 'e2e'], {
      env: { FIRESTORE_EMULATOR_HOST: firestoreEmulatorHost() },
    });

    expect(refreshed.status).toBe(200);
    expect(body).toMatchObject({ project: PROJECT, resources: 2, store: `firestore://${PROJECT}/(default)?prefix=${prefix}` });
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(new RegExp(`^approved gcp/${PROJECT}: sha256 [0-9a-f]{64}`, 'm'));
    expect(metadata.requests.some((path) => path.includes('/service-accounts/default/token'))).toBe(true);
  }, 60_000);

  it('routes.insert of 0.0.0.0/0 to the internet gateway, via Eventarc and push, first and last entries: one finding, one Slack message, one PagerDuty trigger', async () => {
    gcp.put(ROUTE, { network: `${API}${NETWORK}`, destRange: '0.0.0.0/0', priority: 900, tags: ['egress-bypass'], nextHopGateway: GATEWAY });
    const first = auditLog('compute.routes.insert');
    const last = load('operation', 'compute.routes.insert-last');

    const viaEventarc = await binaryAuditLog(first, 'ce-1');
    const viaPush = await served.pubsub!.post(asPush(first, 'push-1'), bearer(PUSH_AUDIENCE, PUSH_ACCOUNT));
    const lastViaTopic = await structuredMessage(last, 'ce-2');
    const lastViaPush = await served.pubsub!.post(asPush(last, 'push-2'), bearer(PUSH_AUDIENCE, PUSH_ACCOUNT));

    expect([viaEventarc.status, lastViaTopic.status]).toEqual([200, 200]);
    expect([viaPush.status, lastViaPush.status]).toEqual([202, 202]);
    expect((await findings()).map((f) => [f.status, f.rule, f.severity, f.resource])).toEqual([['open', 'route.default-added', 'critical', NETWORK]]);
    expect(slack.requests).toHaveLength(1);
    expect(pdEvents().map((e) => [e.event_action, e.payload?.severity])).toEqual([['trigger', 'critical']]);
  }, 60_000);

  it('routes.delete, read back live, resolves it', async () => {
    gcp.remove(ROUTE);
    const removal = setPath(setPath(auditLog('compute.routes.insert'), 'protoPayload.methodName', 'v1.compute.routes.delete'), 'protoPayload.request', undefined);
    setPath(removal, 'insertId', 'delete-1');
    setPath(removal, 'timestamp', '2026-11-26T09:20:00Z');
    setPath(removal, 'operation.id', 'operation-delete-1');

    const answer = await served.pubsub!.post(asPush(removal, 'push-3'), bearer(PUSH_AUDIENCE, PUSH_ACCOUNT));

    expect(answer.status).toBe(202);
    expect((answer.body as { resolved: number }).resolved).toBe(1);
    expect((await findings()).map((f) => [f.status, f.rule])).toEqual([['resolved', 'route.default-added']]);
    expect(pdEvents().map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
  }, 60_000);

  it('Private Google Access turned off through subnetworks.patch is read back and found', async () => {
    gcp.put(SUBNET, { network: `${API}${NETWORK}`, region: `${API}projects/${PROJECT}/regions/europe-west1`, privateIpGoogleAccess: false });

    const answer = await binaryAuditLog(auditLog('compute.subnetworks.patch'), 'ce-3');

    expect(answer.status).toBeLessThan(300);
    expect((await findings()).filter((f) => f.status === 'open').map((f) => [f.rule, f.severity, f.resource])).toEqual([['subnet.private-access-changed', 'high', SUBNET]]);
  }, 60_000);

  it('reconcile (as Cloud Scheduler calls it) catches a change no event reported', async () => {
    gcp.put(`projects/${PROJECT}/global/routes/silent-default`, { network: `${API}${NETWORK}`, destRange: '0.0.0.0/0', priority: 1000, nextHopGateway: GATEWAY });

    const answer = await served.reconcile!.post('', { ...bearer(INVOKER_AUDIENCE, SCHEDULER_ACCOUNT), 'content-type': 'application/octet-stream' });

    expect(answer).toMatchObject({ status: 200, body: { project: PROJECT, compared: true, opened: 1, resolved: 0 } });
    const open = (await findings()).filter((f) => f.status === 'open');
    expect(open.map((f) => [f.rule, f.resource]).sort()).toEqual([['route.default-added', NETWORK], ['subnet.private-access-changed', SUBNET]]);
  }, 60_000);

  it('answers bad input 2xx on push (Pub/Sub stops redelivering) and logs it', async () => {
    const answer = await served.pubsub!.post({ message: { data: base64Json({ not: 'a log entry' }), messageId: 'junk-1' } }, bearer(PUSH_AUDIENCE, PUSH_ACCOUNT));

    expect(answer.status).toBe(202);
    expect(served.pubsub!.logLines().some((l) => l.level === 'warn' && l.message?.startsWith('rejected Pub/Sub push message'))).toBe(true);
    expect(served.pubsub!.logLines().filter((l) => l.message === 'delivery')).toContainEqual({
      level: 'info', severity: 'INFO', message: 'delivery', source: 'Pub/Sub push message junk-1', adapter: 'gcp-pubsub-push', records: 1,
      outcomes: { rejected: 1 }, opened: 0, resolved: 0, durationMs: expect.any(Number) as number, requestId: 'junk-1',
    });
  }, 30_000);
});
