import { NetdriftError, OperatorError, TransientError } from '../../core/errors.js';

/**
 * gRPC status codes the Firestore client reports in `code`
 * (https://cloud.google.com/firestore/docs/understand-reads-writes-scale#errors).
 */
const CODES = { DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;
const TRANSIENT = new Set<number>([CODES.DEADLINE_EXCEEDED, CODES.RESOURCE_EXHAUSTED, CODES.ABORTED, CODES.INTERNAL, CODES.UNAVAILABLE]);

/**
 * Maps a Firestore error: contention (ABORTED), throttling, timeouts and UNAVAILABLE are transient;
 * a missing database and denied access are operator errors naming the fix; anything else is a bug.
 * `action` names the store and the call (`state store claim`, `snapshot store put`).
 */
export function firestoreError(action: string, where: string, error: unknown): Error {
  if (error instanceof NetdriftError) return error;
  const code = typeof (error as { code?: unknown })?.code === 'number' ? (error as { code: number }).code : undefined;
  const detail = (error instanceof Error ? error.message : String(error)).split('\n', 1)[0]?.slice(0, 200) ?? '';
  const message = `${action} (Firestore ${where}): ${detail}`;
  if (code !== undefined && TRANSIENT.has(code)) return new TransientError(message, { cause: error });
  if (code === CODES.NOT_FOUND || code === CODES.FAILED_PRECONDITION) {
    return new OperatorError('store-missing', message, `create the Firestore database (Native mode) of ${where}, or set NETDRIFT_FIRESTORE_DATABASE to the one that exists`, { cause: error, location: `Firestore ${where}` });
  }
  if (code === CODES.PERMISSION_DENIED || code === CODES.UNAUTHENTICATED) {
    return new OperatorError('access-denied', message, `grant the function's service account roles/datastore.user on ${where}`, { cause: error, location: `Firestore ${where}` });
  }
  if (error instanceof Error && /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN/.test(error.message)) return new TransientError(message, { cause: error });
  return new NetdriftError(message, { cause: error });
}
