import { NetdriftError, OperatorError, TransientError } from '../../core/errors.js';

/**
 * What Blob and Table storage errors mean for netdrift, written once for both stores. The SDKs throw
 * core-rest-pipeline's `RestError` (`statusCode`, `code`: the service's error code, or Node's for a
 * request that got no answer).
 */
interface RestErrorFields {
  name?: unknown;
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  /** `@azure/data-tables` leaves `code` out: the service's code is in the details and the OData body. */
  details?: { errorCode?: unknown; odataError?: { code?: unknown; message?: { value?: unknown } } };
}

function fieldsOf(error: unknown): RestErrorFields {
  return typeof error === 'object' && error !== null ? error as RestErrorFields : {};
}

export function statusOf(error: unknown): number | undefined {
  const status = fieldsOf(error).statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The service's error code (`ContainerNotFound`, `UpdateConditionNotSatisfied`) or Node's (`ECONNREFUSED`). */
export function errorCode(error: unknown): string | undefined {
  const { code, details } = fieldsOf(error);
  for (const candidate of [code, details?.errorCode, details?.odataError?.code]) {
    if (typeof candidate === 'string' && candidate !== '') return candidate;
  }
  return undefined;
}

/** The service's own message (the OData one, not the JSON body the Tables SDK puts in `message`), first line only. */
function messageOf(error: unknown): string {
  const { message, details } = fieldsOf(error);
  const odata = details?.odataError?.message?.value;
  const text = typeof odata === 'string' ? odata : typeof message === 'string' ? message : String(error);
  return text.split('\n', 1)[0] ?? '';
}

/** Node's and the pipeline's codes of a request that never got an answer. */
const UNREACHABLE = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'REQUEST_SEND_ERROR', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT',
]);

/** Storage's codes that a retry may fix (https://learn.microsoft.com/rest/api/storageservices/common-rest-api-error-codes). */
const BUSY = new Set(['ServerBusy', 'InternalError', 'OperationTimedOut', 'TableBeingDeleted', 'ContainerBeingDeleted']);

/** Access refused: the identity lacks a data role, or the key or token is wrong. */
const DENIED = new Set([
  'AuthorizationFailure', 'AuthorizationPermissionMismatch', 'AuthenticationFailed', 'InsufficientAccountPermissions',
  'AuthorizationResourceTypeMismatch', 'AuthorizationServiceMismatch', 'KeyBasedAuthenticationNotPermitted',
]);

export function isTransientStorageError(error: unknown): boolean {
  const status = statusOf(error);
  const code = errorCode(error);
  return (code !== undefined && (UNREACHABLE.has(code) || BUSY.has(code)))
    || status === 408 || status === 429 || (status !== undefined && status >= 500);
}

/** `@azure/identity`: no credential in the chain could sign in (no managed identity, no `az login`). */
const NO_CREDENTIAL = new Set(['AggregateAuthenticationError', 'CredentialUnavailableError', 'AuthenticationError']);

export interface StorageErrorContext {
  /** The service codes that mean the container or table itself is missing. */
  missing: readonly string[];
  /** One line: what to create or set. */
  missingFix: string;
  /** One line: which role to grant. */
  deniedFix: string;
  /** One line: how to give the process a credential. */
  credentialFix: string;
  /** The blob or table at fault, for `netdrift.misconfigured`. */
  location: string;
}

/**
 * One line naming the request and what it touched, keeping the SDK's error as `cause`: an
 * `OperatorError` when the container or table is missing or access is denied (a person must fix
 * the setup; deliveries are retried meanwhile), a `TransientError` when a retry may fix it, a
 * `NetdriftError` otherwise. `what` is e.g. `get azblob://acct/container/aws/1.json`.
 */
export function azureStorageError(what: string, error: unknown, context: StorageErrorContext): Error {
  if (error instanceof NetdriftError) return error;
  const code = errorCode(error) ?? (typeof fieldsOf(error).name === 'string' ? String(fieldsOf(error).name) : 'Error');
  if (NO_CREDENTIAL.has(code)) {
    const message = `${what}: ${code}: no Azure credential could sign in (a managed identity, az login, or a connection string)`;
    return new OperatorError('access-denied', message, context.credentialFix, { cause: error, location: context.location });
  }
  const message = `${what}: ${code}: ${messageOf(error)}`;
  const status = statusOf(error);
  if (status === 404 && context.missing.includes(code)) {
    return new OperatorError('store-missing', message, context.missingFix, { cause: error, location: context.location });
  }
  if (status === 403 || DENIED.has(code)) {
    return new OperatorError('access-denied', message, context.deniedFix, { cause: error, location: context.location });
  }
  return isTransientStorageError(error) ? new TransientError(message, { cause: error }) : new NetdriftError(message, { cause: error });
}
