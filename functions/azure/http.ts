import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { AuthRequest } from '../shared/auth/authenticator.js';

/** Event Grid deliveries are at most 1 MB; more is not an event. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * A request as the trust module reads it: lower-case headers (the Fetch `Headers` the v4 model
 * gives iterate lower-cased), the query, and the raw body bytes.
 */
export async function authRequestOf(request: HttpRequest): Promise<AuthRequest> {
  const headers: Record<string, string> = {};
  for (const [name, value] of request.headers) headers[name] = value;
  const body = request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS'
    ? new Uint8Array()
    : new Uint8Array(await request.arrayBuffer());
  return { headers, query: new URLSearchParams(request.query), body };
}

/** A JSON answer. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'content-type': 'application/json', ...headers } };
}

/** The body as JSON, or why it is not. */
export function parseBody(body: Uint8Array): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (body.byteLength > MAX_BODY_BYTES) return { ok: false, reason: `body larger than ${MAX_BODY_BYTES} bytes` };
  try {
    return { ok: true, value: JSON.parse(Buffer.from(body).toString('utf8')) as unknown };
  } catch (error) {
    return { ok: false, reason: `invalid JSON: ${(error as Error).message.split('\n', 1)[0] ?? ''}` };
  }
}
