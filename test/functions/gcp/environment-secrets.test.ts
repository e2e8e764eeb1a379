import { createServer, type Server } from 'node:http';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, TransientError } from '../../../core/errors.js';
import { captureRegions, parseGcpFunctionEnvironment } from '../../../functions/gcp/environment.js';
import { secretManagerResolver } from '../../../functions/gcp/secrets.js';
import { resolveSetting } from '../../../functions/shared/secrets.js';

const BASE = { GOOGLE_CLOUD_PROJECT: 'acme-net-prod' };
const VERSION = 'projects/acme-net-prod/secrets/slack-webhook/versions/3';

describe('Cloud Run functions environment', () => {
  it('applies defaults: the (default) database, the netdrift prefix, every region, the shared settings', () => {
    const env = parseGcpFunctionEnvironment(BASE);

    expect(env).toMatchObject({ NETDRIFT_FIRESTORE_DATABASE: '(default)', NETDRIFT_FIRESTORE_PREFIX: 'netdrift', NETDRIFT_LIVE_READS: 'true', NETDRIFT_EVENT_TTL_HOURS: 48 });
    expect(captureRegions(env)).toEqual([]);
    expect(captureRegions(parseGcpFunctionEnvironment({ ...BASE, NETDRIFT_REGIONS: 'europe-west1, us-east1,' }))).toEqual(['europe-west1', 'us-east1']);
  });

  it.each([
    [{}, 'environment GOOGLE_CLOUD_PROJECT: required'],
    [{ ...BASE, NETDRIFT_SLACK_WEBHOOK_URL: 'hooks.slack.com/no-scheme' }, 'environment NETDRIFT_SLACK_WEBHOOK_URL: expected a URL or a Secret Manager version (projects/P/secrets/S/versions/V)'],
    [{ ...BASE, NETDRIFT_FIRESTORE_PREFIX: 'net/drift' }, 'environment NETDRIFT_FIRESTORE_PREFIX: expected letters, digits, _ and -'],
    [{ ...BASE, NETDRIFT_PUBSUB_SERVICE_ACCOUNT: 'push' }, /^environment NETDRIFT_PUBSUB_SERVICE_ACCOUNT: /],
  ])('a bad environment names the variable (%#)', (env, message) => {
    expect(() => parseGcpFunctionEnvironment(env)).toThrow(message);
  });

  it('takes a Secret Manager version name for the Slack webhook', () => {
    expect(parseGcpFunctionEnvironment({ ...BASE, NETDRIFT_SLACK_WEBHOOK_URL: VERSION }).NETDRIFT_SLACK_WEBHOOK_URL).toBe(VERSION);
  });
});

describe('Secret Manager resolver (REST versions.access through google-auth-library)', () => {
  let server: Server;
  let api = '';
  const seen: { path: string; authorization: string | undefined }[] = [];
  const answers = new Map<string, { status: number; body: unknown }>();
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'sa-token', expiry_date: Date.now() + 3_600_000 });

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push({ path: request.url ?? '', authorization: request.headers.authorization });
      const answer = answers.get(request.url ?? '') ?? { status: 404, body: { error: { code: 404, status: 'NOT_FOUND', message: 'Secret not found' } } };
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    api = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads a version name with the function\'s token, and leaves a plain value as it is', async () => {
    answers.set(`/v1/${VERSION}:access`, { status: 200, body: { name: VERSION, payload: { data: Buffer.from('https://hooks.slack.com/services/T/B/X\n').toString('base64') } } });
    const resolver = secretManagerResolver(auth, api);

    const secret = await resolveSetting(resolver, 'NETDRIFT_SLACK_WEBHOOK_URL', VERSION);
    const plain = await resolveSetting(resolver, 'NETDRIFT_PAGERDUTY_ROUTING_KEY', 'R0KEY');

    expect([secret, plain]).toEqual(['https://hooks.slack.com/services/T/B/X', 'R0KEY']);
    expect(seen.at(-1)).toEqual({ path: `/v1/${VERSION}:access`, authorization: 'Bearer sa-token' });
  });

  it('a missing or denied secret is the operator\'s (ConfigError), throttling is transient; neither names the value', async () => {
    const missing = 'projects/acme-net-prod/secrets/gone/versions/1';
    const throttled = 'projects/acme-net-prod/secrets/busy/versions/1';
    answers.set(`/v1/${throttled}:access`, { status: 429, body: { error: { code: 429, status: 'RESOURCE_EXHAUSTED' } } });
    const resolver = secretManagerResolver(auth, api);

    const notFound = await resolver.resolve('NETDRIFT_APPROVAL_HMAC_KEY', missing).catch((error: unknown) => error);
    const busy = await resolver.resolve('NETDRIFT_APPROVAL_HMAC_KEY', throttled).catch((error: unknown) => error);

    expect(notFound).toBeInstanceOf(ConfigError);
    expect(String(notFound)).toContain('environment NETDRIFT_APPROVAL_HMAC_KEY: reading the secret failed (HTTP 404)');
    expect(busy).toBeInstanceOf(TransientError);
    expect(String(notFound) + String(busy)).not.toContain('secrets/');
  });
});
