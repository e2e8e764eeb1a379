import type { ChildProcess } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../cli/http-server.js';
import { remoteJwks } from '../../functions/shared/auth/jwks.js';
import { pubsubPushAuthenticator } from '../../functions/shared/auth/pubsub-oidc.js';
import { signedHeaders } from '../../functions/shared/auth/shared-secret.js';
import { ROOT, runCli, startCli, tempTree } from '../support/cli.js';
import { startPagerDutyReceiver, startSlackReceiver, type Receiver } from '../support/receivers.js';
import {
  entraClaims, nowSeconds, pubsubClaims, signedToken, signingKey, TENANT, unsignedToken,
} from '../functions/shared/auth/tokens.js';
import { baseline, cloudTrail, eventBridge } from './aws-events.js';

const SECRET = 'serve-secret-9f2c41d7';
const READY = /serving on (http:\/\/[\d.]+:\d+)/;

let dir = '';
let child: ChildProcess | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  child?.kill('SIGTERM');
  child = undefined;
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});

async function waitFor<T>(probe: () => T | undefined, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

describe('netdrift serve: AWS deliveries need the shared secret', () => {
  async function serveWithSinks() {
    const [slack, pagerduty] = await Promise.all([startSlackReceiver(), startPagerDutyReceiver()]);
    receivers.push(slack, pagerduty);
    dir = await tempTree({ 'baselines/aws/111122223333.json': baseline });
    const state = join(dir, 'state.sqlite');
    const started = await startCli(['serve', '--port', '0', '--baseline', join(dir, 'baselines'), '--state', state], READY, {
      NETDRIFT_SERVE_SECRET: SECRET, NETDRIFT_SLACK_WEBHOOK_URL: slack.url,
      NETDRIFT_PAGERDUTY_ROUTING_KEY: 'R0UTINGKEY0000000000000000000000', NETDRIFT_PAGERDUTY_URL: `${pagerduty.url}/v2/enqueue`,
    });
    child = started.child;
    return { base: started.match[1] ?? '', pagerduty, state, stderr: started.stderr };
  }

  const drift = () => eventBridge(cloudTrail('ReplaceRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0abc' }));
  const putBack = () => eventBridge(cloudTrail('ReplaceRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: '0.0.0.0/0', natGatewayId: 'nat-0abc' }, { eventTime: '2026-11-26T12:05:00Z' }));

  it('answers 401 with a one-line JSON error to a missing or wrong bearer, counts it and logs it without the secret', async () => {
    const { base, stderr } = await serveWithSinks();
    const body = JSON.stringify(drift());

    const missing = await post(`${base}/aws/events`, body);
    const wrong = await post(`${base}/aws/events`, body, { authorization: 'Bearer serve-secret-9f2c41d8' });
    const metrics = await (await fetch(`${base}/metrics`)).json();

    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: 'unauthenticated: no credentials: send X-Netdrift-Signature and X-Netdrift-Timestamp, or Authorization: Bearer <secret>' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: 'unauthenticated: bearer token does not match the shared secret' });
    expect(metrics).toMatchObject({ refused: { total: 2, byRoute: { '/aws/events': 2 } }, memory: { rss: expect.any(Number), heapUsed: expect.any(Number) } });
    expect(stderr()).toMatch(/refused POST \/aws\/events from 127\.0\.0\.1: bearer token does not match the shared secret \(2 refused so far\)\n/);
    expect(stderr()).not.toContain('9f2c41d');
  });

  it('cannot be made to resolve an open finding by a forged "route put back"; the signed one resolves it', async () => {
    const { base, pagerduty, state } = await serveWithSinks();
    const opening = JSON.stringify(drift());
    const opened = await post(`${base}/aws/events`, opening, { authorization: `Bearer ${SECRET}` });
    await waitFor(() => (pagerduty.requests.length > 0 ? true : undefined));
    const forged = JSON.stringify(putBack());

    const unsigned = await post(`${base}/aws/events`, forged);
    const wrongKey = await post(`${base}/aws/events`, forged, signedHeaders('guessed-secret', forged));
    const stale = await post(`${base}/aws/events`, forged, signedHeaders(SECRET, forged, Date.now() - 10 * 60_000));
    await new Promise((r) => setTimeout(r, 1500));
    const listed = await runCli(['findings', 'list', '--state', state, '--format', 'json']);

    expect(opened.status).toBe(202);
    expect(await opened.json()).toMatchObject({ opened: 1 });
    expect([unsigned.status, wrongKey.status, stale.status]).toEqual([401, 401, 401]);
    expect(((await stale.json()) as { error: string }).error).toMatch(/^unauthenticated: X-Netdrift-Timestamp: 60\d s away from now/);
    expect(pagerduty.requests.map((r) => (r.body as { event_action: string }).event_action)).toEqual(['trigger']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('"status":"open"');

    const genuine = await post(`${base}/aws/events`, forged, signedHeaders(SECRET, forged));
    await waitFor(() => (pagerduty.requests.length > 1 ? true : undefined));

    expect(genuine.status).toBe(202);
    expect(await genuine.json()).toMatchObject({ resolved: 1 });
    expect(pagerduty.requests.map((r) => (r.body as { event_action: string }).event_action)).toEqual(['trigger', 'resolve']);
  });
});

describe('netdrift serve: Event Grid and Pub/Sub deliveries', () => {
  const entraKey = signingKey('entra-1');
  const googleKey = signingKey('google-1');
  const forger = signingKey('google-1');
  const audience = 'https://netdrift.example.com/gcp/pubsub';
  const serviceAccount = 'push@netdrift-prod.iam.gserviceaccount.com';

  async function serveClouds() {
    dir = await tempTree({ 'baselines/.keep': '', 'jwks.json': { keys: [entraKey.jwk, googleKey.jwk] } });
    const started = await startCli([
      'serve', '--port', '0', '--baseline', join(dir, 'baselines'), '--state', join(dir, 'state.sqlite'),
      '--event-grid-secret', 'eg-code-1', '--entra-tenant', TENANT, '--entra-audience', 'api://netdrift-webhook',
      '--pubsub-audience', audience, '--pubsub-service-account', serviceAccount,
    ], READY, { NETDRIFT_SERVE_SECRET: SECRET, NETDRIFT_OIDC_JWKS_FILE: join(dir, 'jwks.json') });
    child = started.child;
    return started.match[1] ?? '';
  }
  const fixture = (path: string) => readFile(join(ROOT, 'test/fixtures', path), 'utf8');

  it('answers the Event Grid validation handshake only with the subscription secret', async () => {
    const base = await serveClouds();
    const validation = await fixture('azure/delivery/subscription-validation.json');

    const none = await post(`${base}/azure/events`, validation);
    const wrong = await post(`${base}/azure/events?code=eg-code-2`, validation);
    const right = await post(`${base}/azure/events?code=eg-code-1`, validation);
    const optionsWrong = await fetch(`${base}/azure/events?code=nope`, { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } });
    const optionsRight = await fetch(`${base}/azure/events?code=eg-code-1`, { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } });

    expect([none.status, wrong.status]).toEqual([401, 401]);
    expect(await wrong.json()).toEqual({ error: 'unauthenticated: ?code= does not match; Entra token: no Authorization header' });
    expect(right.status).toBe(200);
    expect(await right.json()).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
    expect([optionsWrong.status, optionsRight.status]).toEqual([401, 200]);
    expect(optionsRight.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
  });

  it('takes Event Grid deliveries with a valid Entra token and refuses forged or misdirected ones', async () => {
    const base = await serveClouds();
    const batch = await fixture('azure/delivery/batch.json');
    const withToken = (token: string) => post(`${base}/azure/events`, batch, { authorization: `Bearer ${token}` });

    const answers = await Promise.all([
      withToken(signedToken(entraKey, entraClaims({ iss: 'https://sts.windows.net/00000000-0000-0000-0000-000000000000/' }))),
      withToken(signedToken(entraKey, entraClaims({ aud: 'https://management.azure.com/' }))),
      withToken(signedToken(entraKey, entraClaims({ exp: nowSeconds() - 600 }))),
      withToken(signedToken(signingKey('entra-1'), entraClaims())),
      withToken(signedToken(entraKey, entraClaims({ appid: '04b07795-8ddb-461a-bbee-02f9e1bf7b46' }))),
    ]);
    const good = await withToken(signedToken(entraKey, entraClaims({ iss: `https://login.microsoftonline.com/${TENANT}/v2.0` })));

    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
    expect(good.status).toBe(202);
  });

  it('takes Pub/Sub pushes with the subscription\'s OIDC token and refuses every other token', async () => {
    const base = await serveClouds();
    const welcome = JSON.stringify({ message: { data: Buffer.from('Welcome!').toString('base64'), messageId: '1' }, subscription: 'projects/p/subscriptions/netdrift' });
    const withToken = (token: string) => post(`${base}/gcp/pubsub`, welcome, { authorization: `Bearer ${token}` });

    const refused = await Promise.all([
      withToken(signedToken(googleKey, pubsubClaims({ aud: 'https://attacker.example/push' }))),
      withToken(signedToken(googleKey, pubsubClaims({ email: 'other@evil.iam.gserviceaccount.com' }))),
      withToken(signedToken(googleKey, pubsubClaims({ email_verified: false }))),
      withToken(signedToken(googleKey, pubsubClaims({ exp: nowSeconds() - 600 }))),
      withToken(signedToken(forger, pubsubClaims())),
      withToken(unsignedToken(pubsubClaims(), 'google-1')),
      post(`${base}/gcp/pubsub`, welcome, { authorization: `Bearer ${SECRET}` }),
    ]);
    const good = await withToken(signedToken(googleKey, pubsubClaims()));
    const metrics = (await (await fetch(`${base}/metrics`)).json()) as { refused: { byRoute: Record<string, number> } };

    expect(refused.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 401, 401]);
    expect(good.status).toBe(202);
    expect(metrics.refused.byRoute['/gcp/pubsub']).toBe(7);
  });
});

describe('netdrift serve beyond loopback', () => {
  it.each(['0.0.0.0', '::', 'netdrift.example.com'])('refuses to start on %s without a secret: exit 2, one line', async (host) => {
    const result = await runCli(['serve', '--host', host, '--port', '0']);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`netdrift: --host ${host} listens beyond loopback: set --secret or NETDRIFT_SERVE_SECRET so that every delivery is authenticated\n`);
  });

  it('starts on 0.0.0.0 with a secret and requires it on every route', async () => {
    dir = await tempTree({ 'baselines/.keep': '' });
    const started = await startCli(['serve', '--host', '0.0.0.0', '--port', '0', '--baseline', join(dir, 'baselines'), '--state', join(dir, 'state.sqlite')],
      /serving on http:\/\/0\.0\.0\.0:(\d+)/, { NETDRIFT_SERVE_SECRET: SECRET });
    child = started.child;
    const base = `http://127.0.0.1:${started.match[1] ?? ''}`;

    const answers = await Promise.all(['/aws/events', '/azure/events', '/gcp/pubsub'].map((path) => post(`${base}${path}`, '{}')));

    expect(answers.map((a) => a.status)).toEqual([401, 401, 401]);
    const summary = await waitFor(() => /^serve: .*$/m.exec(started.stderr())?.[0]);
    expect(summary).toContain('; endpoints POST /aws/events (authenticated), POST /azure/events (authenticated), POST /gcp/pubsub (authenticated), GET /healthz, GET /metrics');
    expect(started.stderr()).not.toContain(SECRET);
  });
});

describe('serve\'s HTTP server when token keys cannot be fetched', () => {
  let keyServer: Server | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    for (const s of [server, keyServer]) { s?.closeAllConnections(); await new Promise((r) => s?.close(r) ?? r(undefined)); }
    server = undefined;
    keyServer = undefined;
  });

  it('answers 503 (the platform retries) instead of 401, and counts no refusal', async () => {
    keyServer = createServer((_request, response) => { response.writeHead(503).end(); });
    await new Promise<void>((resolve) => keyServer?.listen(0, '127.0.0.1', resolve));
    const keys = remoteJwks(`http://127.0.0.1:${(keyServer.address() as AddressInfo).port}/keys`);
    const authenticate = pubsubPushAuthenticator({ audience: 'https://x/gcp/pubsub', serviceAccount: 'push@p.iam.gserviceaccount.com', keys });
    const counters = { refused: {} };
    const lines: string[] = [];
    server = createHttpServer([{ method: 'POST', path: '/gcp/pubsub', authenticate, handle: () => Promise.resolve({ status: 202, body: {} }) }], (line) => lines.push(line), counters);
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));

    const answer = await post(`http://127.0.0.1:${(server.address() as AddressInfo).port}/gcp/pubsub`, '{}', { authorization: `Bearer ${signedToken(signingKey('google-1'), pubsubClaims())}` });

    expect(answer.status).toBe(503);
    expect(((await answer.json()) as { error: string }).error).toMatch(/^authentication unavailable: JWKS http:\/\/127\.0\.0\.1:\d+\/keys: HTTP 503$/);
    expect(counters).toEqual({ refused: {} });
    expect(lines).toHaveLength(1);
  });
});
