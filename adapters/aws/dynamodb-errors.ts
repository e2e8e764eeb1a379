import { NetdriftError, OperatorError, TransientError } from '../../core/errors.js';

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
  CancellationReasons?: { Code?: string; Message?: string }[];
}

/**
 * DynamoDB's errors that a retry may fix
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html).
 */
const TRANSIENT_ERRORS = new Set([
  'ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded',
  'TransactionConflictException', 'TransactionInProgressException', 'InternalServerError', 'InternalFailure',
  'ServiceUnavailable', 'ServiceUnavailableException', 'RequestTimeout', 'RequestTimeoutException', 'TimeoutError',
]);

/** A cancelled transaction says why per item; these codes pass with time (TransactWriteItems, "Errors"). */
const TRANSIENT_CANCELLATIONS = new Set(['ThrottlingError', 'TransactionConflict', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);

/** Node's socket errors: the endpoint was not reached or the connection dropped. */
const NETWORK_ERRORS = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT',
]);

function cancellationCodes(error: SdkError): string[] {
  return (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None').filter((code) => code !== 'None');
}

export function isTransientDynamoDbError(error: unknown): boolean {
  const e = (error ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  if (e.name === 'TransactionCanceledException') return cancellationCodes(e).some((code) => TRANSIENT_CANCELLATIONS.has(code));
  return (e.name !== undefined && TRANSIENT_ERRORS.has(e.name))
    || (e.code !== undefined && NETWORK_ERRORS.has(e.code))
    || e.$retryable !== undefined
    || (status !== undefined && status >= 500);
}

export function isConditionFailed(error: unknown): boolean {
  return (error as SdkError | undefined)?.name === 'ConditionalCheckFailedException';
}

/** Access to the table is refused: a policy or the credentials (DynamoDB "Common errors"). */
const ACCESS_ERRORS = new Set(['AccessDeniedException', 'UnrecognizedClientException', 'MissingAuthenticationTokenException', 'InvalidSignatureException']);

/**
 * One line naming the request and the table, keeping the SDK's error as `cause`: a
 * `TransientError` when a retry may fix it (the delivery then fails so that the platform
 * redelivers), an `OperatorError` when the table is missing or access is denied (a person must fix
 * the setup; deliveries are retried meanwhile), a `NetdriftError` otherwise (an item too large).
 */
export function stateStoreError(action: string, table: string, error: unknown): Error {
  if (error instanceof NetdriftError) return error;
  const e = (error ?? {}) as SdkError;
  const codes = cancellationCodes(e);
  const detail = codes.length > 0 ? `cancelled (${[...new Set(codes)].join(', ')})` : (e.message ?? String(error)).split('\n', 1)[0];
  const message = `state store ${action} (DynamoDB table ${table}): ${e.name ?? 'Error'}: ${detail}`;
  if (e.name === 'ResourceNotFoundException') {
    return new OperatorError('store-missing', message, `create the DynamoDB table ${table} or set NETDRIFT_STATE_TABLE to the one that exists`, { cause: error, location: `DynamoDB table ${table}` });
  }
  if (e.name !== undefined && ACCESS_ERRORS.has(e.name)) {
    return new OperatorError('access-denied', message, `allow the function's role the DynamoDB actions on ${table} and its indexes (README, Permissions)`, { cause: error, location: `DynamoDB table ${table}` });
  }
  return isTransientDynamoDbError(error) ? new TransientError(message, { cause: error }) : new NetdriftError(message, { cause: error });
}
