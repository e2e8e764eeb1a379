import { DeliveryError } from '../core/errors.js';
import { singleLine, truncateText } from './message.js';

/**
 * Turning HTTP answers and request failures into `DeliveryError`s, shared by the HTTP sinks.
 * Messages are one line, name the sink, and never contain a secret (webhook URL, routing key).
 */

/** Longest piece of a response body quoted in an error message. */
const BODY_MAX_CHARS = 300;

/**
 * A `Retry-After` header in milliseconds: delay-seconds or an HTTP date
 * (https://www.rfc-editor.org/rfc/rfc9110#field.retry-after). Undefined when absent or unreadable.
 */
export function retryAfterMs(header: string | null | undefined, now: Date = new Date()): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Every HTTP-date form starts with the day's name; Date.parse alone takes `-5` for a year.
  if (!/^[A-Za-z]{3}/.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}

/** Replaces every occurrence of each secret (ignoring empty ones) with `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let safe = text;
  for (const secret of secrets) {
    if (secret) safe = safe.split(secret).join('[redacted]');
  }
  return safe;
}

/**
 * Why a request got no answer, in a few words: `timed out after 5000 ms`,
 * `network error (ECONNREFUSED)`.
 */
export function requestFailureReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
    if (error.name === 'AbortError') return 'request aborted';
    const code = (error.cause as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string') return `network error (${code})`;
  }
  const text = error instanceof Error ? error.message : String(error);
  return `network error (${singleLine(text)})`;
}

/** A response body as quotable text: one line, at most a few hundred characters. */
export function quoteBody(body: string): string {
  return truncateText(singleLine(body).trim(), BODY_MAX_CHARS);
}

/**
 * The `DeliveryError` for a non-2xx answer. 429, 408 and 5xx are retryable (with
 * `Retry-After` when given); any other status is not, since sending the same payload again
 * will fail the same way.
 */
export function httpDeliveryError(
  sink: string,
  status: number,
  detail: string,
  retryAfterHeader: string | null | undefined,
  secrets: readonly string[],
): DeliveryError {
  const retryable = status === 429 || status === 408 || status >= 500;
  const wait = retryable ? retryAfterMs(retryAfterHeader) : undefined;
  const what = status === 429 ? 'rate limited' : status >= 500 ? 'server error' : 'rejected the alert';
  const quoted = detail ? `: ${detail}` : '';
  const after = wait === undefined ? '' : `; retry after ${wait} ms`;
  return new DeliveryError(redact(`${sink}: ${what} (HTTP ${status})${quoted}${after}`, secrets), retryable, wait);
}
