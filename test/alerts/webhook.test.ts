import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyWebhookSignature, WebhookSink } from '../../alerts/webhook.js';
import { ConfigError, DeliveryError } from '../../core/errors.js';
import type { FindingGroup } from '../../core/ports.js';
import { startReceiver, type ReceivedRequest, type Receiver } from '../support/receivers.js';
import { openFinding, OPEN_DEFAULT_ROUTE, resolvedFinding } from './finding-fixture.js';

const SECRET = 'whsec-5ecr3t-0123456789abcdef';
const PATH_TOKEN = 'p4thT0k3n0123456789';
const WEBHOOK_PATH = `/hooks/netdrift/${PATH_TOKEN}`;

/** The open finding's JSON, keys sorted at every level, written out by hand. */
const OPEN_BODY = '{"account":"111122223333",'
  + '"actor":{"principal":"arn:aws:iam::111122223333:user/alice","sourceIp":"203.0.113.7","userAgent":"aws-cli/2.15.0 Python/3.11.6"},'
  + '"cloud":"aws","eventId":"ev-create-1","eventIds":["ev-create-1"],"eventTime":"2026-11-26T10:00:00Z",'
  + `"fingerprint":"${OPEN_DEFAULT_ROUTE.fingerprint}",`
  + '"hint":"Delete the route: aws ec2 delete-route --route-table-id rtb-0a1 --destination-cidr-block 0.0.0.0/0",'
  + '"item":"0.0.0.0/0","kind":"route-table",'
  + '"observed":{"destination":"0.0.0.0/0","target":{"id":"nat-0abc","type":"nat"}},'
  + '"openedAt":"2026-11-26T10:00:02Z","operation":"ec2:CreateRoute","region":"eu-west-1","resource":"rtb-0a1",'
  + '"rule":"route.default-added","severity":"critical","status":"open","summary":"0.0.0.0/0 → nat-0abc on rtb-0a1"}';

let receiver: Receiver;
let sink: WebhookSink;

beforeEach(async () => {
  receiver = await startReceiver({ status: 204 });
  sink = new WebhookSink({ url: receiver.url + WEBHOOK_PATH, secret: SECRET, timeoutMs: 2000 });
});

afterEach(async () => {
  await receiver.close();
});

/** The hex HMAC-SHA256 a receiver computes, written independently of the sink's code. */
function hmacHex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

function header(request: ReceivedRequest | undefined, name: string): string {
  const value = request?.headers[name];
  return typeof value === 'string' ? value : '';
}

/** Sends and returns the DeliveryError it must throw, checked to carry no secret. */
async function failedSend(target: WebhookSink = sink, secrets: readonly string[] = [SECRET, WEBHOOK_PATH, PATH_TOKEN]): Promise<DeliveryError> {
  const error = await target.send(target.build(openFinding())).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DeliveryError);
  const everything = `${String(error)} ${inspect(error, { depth: 10 })}`;
  for (const secret of secrets) expect(everything).not.toContain(secret);
  return error as DeliveryError;
}

describe('WebhookSink over HTTP', () => {
  it('posts the finding\'s JSON with sorted keys, a timestamp and its signature', async () => {
    const before = Math.floor(Date.now() / 1000);

    await sink.send(sink.build(openFinding()));

    const after = Math.floor(Date.now() / 1000);
    const request = receiver.requests[0];
    const timestamp = header(request, 'x-netdrift-timestamp');
    expect(receiver.requests).toHaveLength(1);
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(WEBHOOK_PATH);
    expect(request?.text).toBe(OPEN_BODY);
    expect(request?.body).toEqual(OPEN_DEFAULT_ROUTE);
    expect(header(request, 'content-type')).toBe('application/json');
    expect(timestamp).toMatch(/^\d+$/);
    expect(Number(timestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(timestamp)).toBeLessThanOrEqual(after);
    expect(header(request, 'x-netdrift-signature')).toBe(`v1=${hmacHex(SECRET, `${timestamp}.${OPEN_BODY}`)}`);
  });

  it('builds the same body however the finding\'s keys were ordered', () => {
    const reordered = Object.fromEntries(Object.entries(openFinding()).reverse()) as ReturnType<typeof openFinding>;

    expect(sink.build(reordered).body).toBe(OPEN_BODY);
  });

  it('sends configured headers, and credentials in the URL as Basic authentication', async () => {
    const withAuth = new WebhookSink({
      url: `${receiver.url.replace('http://', 'http://netdrift:pa%24%24word@')}${WEBHOOK_PATH}`,
      secret: SECRET,
      headers: { 'X-Team': 'network' },
    });

    await withAuth.send(withAuth.build(openFinding()));

    const request = receiver.requests[0];
    expect(request?.path).toBe(WEBHOOK_PATH);
    expect(header(request, 'authorization')).toBe(`Basic ${Buffer.from('netdrift:pa$$word').toString('base64')}`);
    expect(header(request, 'x-team')).toBe('network');
  });

  it('posts a storm as one body with the group and its findings', async () => {
    const group: FindingGroup = { cause: 'event ev-create-1', key: 'storm-ev-create-1', findings: [openFinding(), resolvedFinding()] };

    await sink.send(sink.buildGroup(group));

    const text = receiver.requests[0]?.text ?? '';
    expect(text.startsWith('{"storm":{"cause":"event ev-create-1","key":"storm-ev-create-1","count":2},"findings":[{"account":')).toBe(true);
    expect(receiver.requests[0]?.body).toEqual({
      storm: { cause: 'event ev-create-1', key: 'storm-ev-create-1', count: 2 },
      findings: [OPEN_DEFAULT_ROUTE, resolvedFinding()],
    });
  });
});

describe('verifyWebhookSignature', () => {
  /** One request as the sink sent it. */
  async function received(): Promise<{ body: string; timestamp: string; signature: string }> {
    await sink.send(sink.build(openFinding()));
    const request = receiver.requests[0];
    return { body: request?.text ?? '', timestamp: header(request, 'x-netdrift-timestamp'), signature: header(request, 'x-netdrift-signature') };
  }

  it('accepts what the sink sent', async () => {
    const { body, timestamp, signature } = await received();

    expect(verifyWebhookSignature(body, timestamp, signature, SECRET)).toBe(true);
    expect(verifyWebhookSignature(Buffer.from(body), Number(timestamp), signature, SECRET)).toBe(true);
  });

  it('rejects another body, timestamp or secret', async () => {
    const { body, timestamp, signature } = await received();

    expect(verifyWebhookSignature(body.replace('critical', 'low'), timestamp, signature, SECRET)).toBe(false);
    expect(verifyWebhookSignature(body, String(Number(timestamp) - 1), signature, SECRET)).toBe(false);
    expect(verifyWebhookSignature(body, timestamp, signature, `${SECRET}x`)).toBe(false);
  });

  it('rejects a stale timestamp, or one too far ahead', async () => {
    const { body, timestamp, signature } = await received();
    const at = (seconds: number): Date => new Date((Number(timestamp) + seconds) * 1000);

    expect(verifyWebhookSignature(body, timestamp, signature, SECRET, { now: at(300) })).toBe(true);
    expect(verifyWebhookSignature(body, timestamp, signature, SECRET, { now: at(301) })).toBe(false);
    expect(verifyWebhookSignature(body, timestamp, signature, SECRET, { now: at(-301) })).toBe(false);
    expect(verifyWebhookSignature(body, timestamp, signature, SECRET, { now: at(3600), toleranceSeconds: 7200 })).toBe(true);
  });

  it('rejects missing and malformed headers', async () => {
    const { body, timestamp, signature } = await received();

    expect(verifyWebhookSignature(body, undefined, signature, SECRET)).toBe(false);
    expect(verifyWebhookSignature(body, timestamp, undefined, SECRET)).toBe(false);
    expect(verifyWebhookSignature(body, timestamp, signature.slice(3), SECRET)).toBe(false);
    expect(verifyWebhookSignature(body, timestamp, `${signature}00`, SECRET)).toBe(false);
    expect(verifyWebhookSignature(body, `${timestamp}.5`, signature, SECRET)).toBe(false);
  });

  it('accepts a matching signature among several', async () => {
    const { body, timestamp, signature } = await received();

    expect(verifyWebhookSignature(body, timestamp, `v1=${'0'.repeat(64)}, ${signature}`, SECRET)).toBe(true);
  });
});

describe('WebhookSink failures', () => {
  it('400 is not retryable and quotes the receiver\'s error', async () => {
    receiver.respondWith({ status: 400, body: { error: 'unknown rule' } });

    const error = await failedSend();

    expect(error.retryable).toBe(false);
    expect(error.message).toBe('webhook: rejected the alert (HTTP 400): {"error":"unknown rule"}');
  });

  it('503 is retryable after Retry-After', async () => {
    receiver.respondWith({ status: 503, headers: { 'retry-after': '12' }, body: 'maintenance' });

    const error = await failedSend();

    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(12_000);
    expect(error.message).toBe('webhook: server error (HTTP 503): maintenance; retry after 12000 ms');
  });

  it('429 is retryable after Retry-After', async () => {
    receiver.respondWith({ status: 429, headers: { 'retry-after': '3' }, body: 'slow down' });

    const error = await failedSend();

    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(3000);
    expect(error.message).toBe('webhook: rate limited (HTTP 429): slow down; retry after 3000 ms');
  });

  it('an error echoing the secret, the URL\'s token or its credentials is redacted', async () => {
    const url = `${receiver.url.replace('http://', 'http://netdrift:hunter2-pw@')}${WEBHOOK_PATH}?token=qu3ryT0k3n99`;
    const withCredentials = new WebhookSink({ url, secret: SECRET, headers: { authorization: 'Bearer b3ar3rT0k3n-xyz' } });
    receiver.respondWith({
      status: 401,
      body: `bad signature for ${SECRET} at ${receiver.url}${WEBHOOK_PATH}?token=qu3ryT0k3n99 (hunter2-pw, b3ar3rT0k3n-xyz)`,
    });

    const error = await failedSend(withCredentials, [SECRET, PATH_TOKEN, 'qu3ryT0k3n99', 'hunter2-pw', 'b3ar3rT0k3n-xyz']);

    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^webhook: rejected the alert \(HTTP 401\): bad signature for \[redacted\] at /);
  });

  it('a redirect is not followed, and not retryable', async () => {
    receiver.respondWith({ status: 301, headers: { location: 'http://elsewhere.example/hook' } });

    const error = await failedSend();

    expect(receiver.requests).toHaveLength(1);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('webhook: rejected the alert (HTTP 301): redirected; configure the final URL');
  });

  it('a timeout is retryable', async () => {
    const quick = new WebhookSink({ url: receiver.url + WEBHOOK_PATH, secret: SECRET, timeoutMs: 100 });
    receiver.respondWith({ status: 204, delayMs: 2000 });

    const error = await failedSend(quick);

    expect(error.retryable).toBe(true);
    expect(error.message).toBe('webhook: timed out after 100 ms');
  });

  it('a refused connection is retryable', async () => {
    const gone = await startReceiver({ status: 204 });
    await gone.close();

    const error = await failedSend(new WebhookSink({ url: gone.url + WEBHOOK_PATH, secret: SECRET }));

    expect(error.retryable).toBe(true);
    expect(error.message).toBe('webhook: network error (ECONNREFUSED)');
  });

  it('refuses a bad URL, an empty secret, or headers it sets itself, without quoting the URL', () => {
    const bad = (options: ConstructorParameters<typeof WebhookSink>[0]): unknown => {
      try {
        return new WebhookSink(options);
      } catch (error) {
        return error;
      }
    };

    const notUrl = bad({ url: `not a url ${PATH_TOKEN}`, secret: SECRET });
    expect(notUrl).toBeInstanceOf(ConfigError);
    expect(inspect(notUrl)).not.toContain(PATH_TOKEN);
    expect(bad({ url: 'ftp://example.com/hook', secret: SECRET })).toEqual(new ConfigError('webhook: url must be http or https'));
    expect(bad({ url: receiver.url, secret: '' })).toEqual(new ConfigError('webhook: secret is empty'));
    expect(bad({ url: receiver.url, secret: SECRET, headers: { 'Content-Type': 'text/plain' } }))
      .toEqual(new ConfigError('webhook: headers may not set content-type, the sink sets it'));
  });
});
