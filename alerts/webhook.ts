import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigError, DeliveryError } from '../core/errors.js';
import type { Finding } from '../core/finding.js';
import type { AlertSink, FindingGroup } from '../core/ports.js';
import { httpDeliveryError, quoteBody, redact, requestFailureReason } from './http-failure.js';

/**
 * A generic webhook: each finding is POSTed as JSON to a URL of your choice, signed with a
 * shared secret so that the receiver can tell it comes from netdrift and is not a replay.
 *
 * **Request.** `POST <url>` with these headers (and any configured ones):
 * - `content-type: application/json`
 * - `x-netdrift-timestamp: <unix seconds>`: when the request was signed;
 * - `x-netdrift-signature: v1=<hex>`: the lower-case hex HMAC-SHA256, keyed with the shared
 *   secret, of `<timestamp>.<body>`: the timestamp header, a dot, and the raw body bytes.
 *
 * **Body.** One finding is the finding's JSON (`fingerprint`, `status`, `rule`, `severity`,
 * `resource`, `summary`, `baseline`, `observed`, `actor`, `eventIds`, …) with its keys sorted
 * at every level. A storm (many findings from one event or principal, when grouped) is
 * `{ "storm": { "cause", "key", "count" }, "findings": [ … ] }`.
 *
 * **Verifying.** Take the raw body as received (re-serialized JSON is not byte-identical),
 * compute the HMAC above, compare it with the `v1=` value in constant time, and reject a
 * timestamp more than 5 minutes from your clock. In Node, `verifyWebhookSignature` does all of
 * it; in a shell, `printf '%s.%s' "$timestamp" "$body" | openssl dgst -sha256 -hmac "$secret"`.
 *
 * **Answers.** Any 2xx delivers. 408, 429 (honouring `Retry-After`), 5xx, network failures and
 * timeouts are retried later; any other status (a redirect too: configure the final URL) is a
 * permanent rejection, kept in the outbox until redriven. Delivery is at least once: a retried
 * request may arrive twice; deduplicate on `fingerprint`, `status` and `eventId` (a storm on
 * `storm.key`).
 *
 * The secret and any credentials in the URL (`https://user:pass@host/…`, sent as Basic
 * authentication, or tokens in its path or query) never appear in an error.
 */

export const WEBHOOK_TIMESTAMP_HEADER = 'x-netdrift-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'x-netdrift-signature';
/** How far a signed timestamp may be from the receiver's clock by default. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;
export const WEBHOOK_DEFAULT_TIMEOUT_MS = 10_000;

/** Headers the sink sets itself, which configured headers may not replace. */
const OWN_HEADERS = ['content-type', WEBHOOK_TIMESTAMP_HEADER, WEBHOOK_SIGNATURE_HEADER];

/** What `WebhookSink` posts: the exact bytes that are signed. */
export interface WebhookPayload {
  body: string;
}

export interface WebhookSinkOptions {
  /** Where to POST (http or https). Credentials in it are sent as Basic authentication. */
  url: string;
  /** The shared HMAC secret. It never appears in an error or a log line. */
  secret: string;
  /** The sink's name in routes and the outbox. */
  name?: string;
  timeoutMs?: number;
  /** Extra headers (an `authorization` for the receiver, say); their values are kept out of errors. */
  headers?: Readonly<Record<string, string>>;
}

/** `value` with the keys of every object sorted, so that its JSON is the same however it was built. */
function withSortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withSortedKeys);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(record).sort().map((key) => [key, withSortedKeys(record[key])]));
}

/** The `v1` signature of a body: hex HMAC-SHA256 of `<timestamp>.<body>` keyed with `secret`. */
export function webhookSignature(body: string | Uint8Array, timestamp: string, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

export interface VerifyWebhookOptions {
  /** How far the timestamp may be from `now`, either way; 300 seconds unless given. */
  toleranceSeconds?: number;
  now?: Date;
}

/**
 * For receivers: true when `signature` (the `x-netdrift-signature` header, `v1=<hex>`, possibly
 * several comma-separated) signs `body` (the raw bytes received) at `timestamp` (the
 * `x-netdrift-timestamp` header) with `secret`, and the timestamp is within `toleranceSeconds`
 * of `now`. Compares in constant time; a missing or malformed header is simply false.
 */
export function verifyWebhookSignature(
  body: string | Uint8Array,
  timestamp: string | number | null | undefined,
  signature: string | null | undefined,
  secret: string,
  options: VerifyWebhookOptions = {},
): boolean {
  const { toleranceSeconds = WEBHOOK_TOLERANCE_SECONDS, now = new Date() } = options;
  const stamp = String(timestamp ?? '').trim();
  if (!secret || !signature || !/^\d{1,12}$/.test(stamp)) return false;
  if (Math.abs(now.getTime() / 1000 - Number(stamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(webhookSignature(body, stamp, secret), 'hex');
  const candidates = signature.split(',').map((part) => part.trim().match(/^v1=([0-9a-fA-F]{64})$/)?.[1]);
  // Every candidate is compared, so the time taken says nothing about which one matched.
  let valid = false;
  for (const hex of candidates) {
    if (hex && timingSafeEqual(expected, Buffer.from(hex, 'hex'))) valid = true;
  }
  return valid;
}

/** The URL without credentials, the `authorization` they make, and every piece that may be secret. */
function parseWebhookUrl(name: string, raw: string): { url: string; authorization?: string; secrets: string[] } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Not kept as cause: URL's error quotes the input.
    throw new ConfigError(`${name}: url is not a valid URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`${name}: url must be http or https`);
  const secrets = [raw];
  let authorization: string | undefined;
  if (url.username || url.password) {
    // fetch refuses URLs with credentials; they are sent as Basic authentication, like curl does.
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    const token = Buffer.from(`${user}:${password}`).toString('base64');
    authorization = `Basic ${token}`;
    secrets.push(token, url.password, password, ...[url.username, user].filter((part) => part.length >= 4));
    url.username = '';
    url.password = '';
  }
  // Tokens often live in the path (`/hooks/<id>/<token>`) or the query (`?token=…`).
  secrets.push(url.href);
  if (url.pathname.length > 1) secrets.push(url.pathname);
  secrets.push(...url.pathname.split('/').filter((segment) => segment.length >= 16));
  if (url.search.length > 1) secrets.push(url.search);
  secrets.push(...[...url.searchParams.values()].filter((value) => value.length >= 8));
  return { url: url.href, ...(authorization ? { authorization } : {}), secrets };
}

/** Configured headers with lower-case names, and their values as secrets. */
function extraHeaders(name: string, headers: Readonly<Record<string, string>>): { headers: Record<string, string>; secrets: string[] } {
  const lower: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    const header = key.toLowerCase();
    if (OWN_HEADERS.includes(header)) throw new ConfigError(`${name}: headers may not set ${header}, the sink sets it`);
    lower[header] = value;
    secrets.push(value, ...value.split(/\s+/).filter((word) => word.length >= 8));
  }
  return { headers: lower, secrets };
}

/**
 * POSTs findings as signed JSON to any HTTP endpoint; see the top of this file for the scheme.
 * `send` throws `DeliveryError`: 408, 429 (with `Retry-After`), 5xx, network failures and
 * timeouts are retryable; any other status is not, and quotes the receiver's answer.
 */
export class WebhookSink implements AlertSink<WebhookPayload> {
  readonly name: string;
  readonly #url: string;
  readonly #secret: string;
  readonly #timeoutMs: number;
  readonly #headers: Record<string, string>;
  readonly #secrets: string[];

  constructor(options: WebhookSinkOptions) {
    this.name = options.name ?? 'webhook';
    if (!options.secret) throw new ConfigError(`${this.name}: secret is empty`);
    const url = parseWebhookUrl(this.name, options.url);
    const extra = extraHeaders(this.name, options.headers ?? {});
    this.#url = url.url;
    this.#secret = options.secret;
    this.#timeoutMs = options.timeoutMs ?? WEBHOOK_DEFAULT_TIMEOUT_MS;
    this.#headers = { ...(url.authorization ? { authorization: url.authorization } : {}), ...extra.headers };
    // Longest first, so that a secret containing another is redacted whole.
    this.#secrets = [options.secret, ...url.secrets, ...extra.secrets]
      .filter((secret) => secret.length > 0)
      .sort((a, b) => b.length - a.length);
  }

  /** The body for a finding (pure): the finding's JSON, keys sorted at every level. */
  build(finding: Finding): WebhookPayload {
    return { body: JSON.stringify(withSortedKeys(finding)) };
  }

  /** The body for a storm (pure): `{ storm: { cause, key, count }, findings: [...] }`. */
  buildGroup(group: FindingGroup): WebhookPayload {
    const storm = { cause: group.cause, key: group.key, count: group.findings.length };
    return { body: JSON.stringify({ storm, findings: group.findings.map(withSortedKeys) }) };
  }

  async send(payload: WebhookPayload): Promise<void> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    let response: Response;
    try {
      response = await fetch(this.#url, {
        method: 'POST',
        headers: {
          ...this.#headers,
          'content-type': 'application/json',
          [WEBHOOK_TIMESTAMP_HEADER]: timestamp,
          [WEBHOOK_SIGNATURE_HEADER]: `v1=${webhookSignature(payload.body, timestamp, this.#secret)}`,
        },
        body: payload.body,
        signal: AbortSignal.timeout(this.#timeoutMs),
        // Following a redirect would send the credentials and the signed body elsewhere.
        redirect: 'manual',
      });
    } catch (error) {
      // Not kept as cause: fetch's errors may quote the URL.
      throw new DeliveryError(redact(`${this.name}: ${requestFailureReason(error, this.#timeoutMs)}`, this.#secrets), true);
    }
    const text = await response.text().catch(() => '');
    if (response.ok) return;
    const redirected = response.status >= 300 && response.status < 400;
    const detail = redirected ? 'redirected; configure the final URL' : quoteBody(text);
    throw httpDeliveryError(this.name, response.status, detail, response.headers.get('retry-after'), this.#secrets);
  }
}
