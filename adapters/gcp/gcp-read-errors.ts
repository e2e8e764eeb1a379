import { NetdriftError, PermanentReadError, TransientError } from '../../core/errors.js';

/** A resource the API says does not exist (404 / NOT_FOUND): the read's answer, not a failure. */
export class GcpNotFoundError extends NetdriftError {}

/**
 * gRPC status codes, which google-gax reports in `code` (https://grpc.io/docs/guides/status-codes/);
 * REST errors carry the HTTP status there instead (`GaxiosError`, `ApiError` of @google-cloud/common).
 */
const GRPC = { DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;
const TRANSIENT_HTTP = new Set([408, 429, 500, 502, 503, 504]);
const NETWORK_CODES = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|EPIPE|UND_ERR_\w+)$/;

interface ApiErrorShape {
  code?: unknown;
  status?: unknown;
  response?: { status?: unknown };
  message?: unknown;
}

/** The status of a Google API error, whichever client threw it: an HTTP status or a gRPC code name. */
function statusOf(error: ApiErrorShape): { http?: number; grpc?: number; network?: string } {
  const http = typeof error.response?.status === 'number' ? error.response.status : undefined;
  if (typeof error.code === 'string') return NETWORK_CODES.test(error.code) ? { network: error.code } : { ...(http ? { http } : {}) };
  if (typeof error.code === 'number') return error.code >= 100 ? { http: error.code } : { grpc: error.code, ...(http ? { http } : {}) };
  return http ? { http } : {};
}

/** The API's own message, one line: REST errors carry the JSON error body as their message. */
function apiMessage(error: ApiErrorShape): string {
  const text = typeof error.message === 'string' ? error.message : String(error);
  try {
    const body = JSON.parse(text) as { error?: { message?: string; status?: string } };
    if (body.error?.message) return `${body.error.status ? `${body.error.status}: ` : ''}${body.error.message}`;
  } catch {
    // not a JSON body
  }
  return text.split('\n', 1)[0]?.slice(0, 200) ?? '';
}

/**
 * Maps a Compute or Cloud DNS client error: NOT_FOUND → `GcpNotFoundError`; 429 /
 * RESOURCE_EXHAUSTED, UNAVAILABLE, timeouts, 5xx and network errors → `TransientError` (the
 * delivery is retried); PERMISSION_DENIED → `PermanentReadError` naming the roles the reader needs.
 */
export function gcpReadError(what: string, error: unknown): Error {
  if (error instanceof NetdriftError) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as ApiErrorShape;
  const { http, grpc, network } = statusOf(shape);
  const message = apiMessage(shape);
  if (http === 404 || grpc === GRPC.NOT_FOUND) return new GcpNotFoundError(`${what}: not found`, { cause: error });
  if (network || (http !== undefined && TRANSIENT_HTTP.has(http))
    || grpc === GRPC.RESOURCE_EXHAUSTED || grpc === GRPC.UNAVAILABLE || grpc === GRPC.DEADLINE_EXCEEDED) {
    return new TransientError(`${what}: ${network ?? message}`, { cause: error });
  }
  if (http === 403 || http === 401 || grpc === GRPC.PERMISSION_DENIED || grpc === GRPC.UNAUTHENTICATED) {
    return new PermanentReadError(
      `${what}: permission denied — grant the reader's service account roles/compute.networkViewer and roles/dns.reader (${message})`,
      { cause: error },
    );
  }
  return new PermanentReadError(`${what}: ${message}`, { cause: error });
}

/** Runs one API call, mapping its error; a missing resource is `undefined`. */
export async function readOrMissing<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    const mapped = gcpReadError(what, error);
    if (mapped instanceof GcpNotFoundError) return undefined;
    throw mapped;
  }
}

/** Runs one API call, mapping its error (a missing resource is an error here: a list of a project that is gone). */
export async function readApi<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw gcpReadError(what, error);
  }
}
