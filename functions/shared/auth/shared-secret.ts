import { createHash, timingSafeEqual } from 'node:crypto';
import {
  verifyWebhookSignature, webhookSignature, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER, WEBHOOK_TOLERANCE_SECONDS,
} from '../../../alerts/webhook.js';
import { ConfigError } from '../../../core/errors.js';
import { accepted, bearerTokenOf, headerOf, quoted, refused, type Authenticator } from './authenticator.js';

// One signing scheme in netdrift: a delivery to `serve` is signed the way the webhook sink signs
// what it sends (alerts/webhook.ts), so one recipe (and one verifier) serves both directions.
/** `v1=<hex>`: HMAC-SHA256 with the shared secret over `<timestamp>.<raw body>`; several comma-separated during a rotation. */
export const SIGNATURE_HEADER = WEBHOOK_SIGNATURE_HEADER;
/** Unix seconds when the request was signed; part of what is signed. */
export const TIMESTAMP_HEADER = WEBHOOK_TIMESTAMP_HEADER;
/** A signature older or newer than this is refused, so a captured request cannot be replayed later. */
export const SIGNATURE_WINDOW_SECONDS = WEBHOOK_TOLERANCE_SECONDS;
const SIGNATURE_FORMAT = /^v1=[0-9a-f]{64}( *, *v1=[0-9a-f]{64})*$/i;

/**
 * Compares two secrets in constant time. Both sides are hashed first so that neither the
 * comparison's time nor `timingSafeEqual`'s length check reveals the secret's length.
 */
export function constantTimeEqual(presented: string | Uint8Array, expected: string | Uint8Array): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The signature header's value for `body` signed at `timestamp` (Unix seconds). */
export function signatureOf(secret: string, timestamp: number | string, body: string | Uint8Array): string {
  return `v1=${webhookSignature(body, String(timestamp), secret)}`;
}

/** The headers that sign `body` with `secret` now: what a sender adds to its request. */
export function signedHeaders(secret: string, body: string | Uint8Array, nowMs = Date.now()): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signatureOf(secret, timestamp, body) };
}

export interface SharedSecretOptions {
  /** The accepted secrets; more than one while a secret is rotated. */
  secrets: readonly string[];
  /** Clock in epoch ms (tests). */
  now?: () => number;
}

/**
 * A shared secret, presented either as `Authorization: Bearer <secret>` or as an HMAC-SHA256
 * signature of the raw body ({@link SIGNATURE_HEADER}, {@link TIMESTAMP_HEADER}) no older than
 * {@link SIGNATURE_WINDOW_SECONDS}. Every comparison is constant-time.
 */
export function sharedSecretAuthenticator(options: SharedSecretOptions): Authenticator {
  const secrets = options.secrets.filter((s) => s !== '');
  if (secrets.length === 0) throw new ConfigError('shared secret: no secret configured');
  const now = options.now ?? Date.now;
  return async (request) => {
    const signature = headerOf(request, SIGNATURE_HEADER);
    if (signature !== undefined) {
      const timestamp = headerOf(request, TIMESTAMP_HEADER);
      if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return refused(`X-Netdrift-Timestamp: expected Unix seconds, got ${quoted(timestamp ?? '')}`);
      const age = Math.abs(now() / 1000 - Number(timestamp));
      if (age > SIGNATURE_WINDOW_SECONDS) return refused(`X-Netdrift-Timestamp: ${Math.round(age)} s away from now, more than ${SIGNATURE_WINDOW_SECONDS} s (replayed or clock skew)`);
      if (!SIGNATURE_FORMAT.test(signature)) return refused('X-Netdrift-Signature: expected "v1=<64 hex digits>"');
      const at = new Date(now());
      const matched = secrets.map((secret) => verifyWebhookSignature(request.body, timestamp, signature, secret, { now: at }));
      return matched.includes(true) ? accepted('shared secret (signature)') : refused(`X-Netdrift-Signature: does not match the body`);
    }
    const bearer = bearerTokenOf(request);
    if ('reason' in bearer) {
      return refused(headerOf(request, 'authorization') === undefined
        ? 'no credentials: send X-Netdrift-Signature and X-Netdrift-Timestamp, or Authorization: Bearer <secret>'
        : bearer.reason);
    }
    const matched = secrets.map((secret) => constantTimeEqual(bearer.token, secret));
    return matched.includes(true) ? accepted('shared secret (bearer)') : refused('bearer token does not match the shared secret');
  };
}
