import { PermanentReadError, TransientError } from '../../core/errors.js';

/**
 * The resource an AWS read asked for does not exist (EC2 `*.NotFound`, Route 53 `NoSuchHostedZone`,
 * Route 53 Resolver `ResourceNotFoundException`). `read` turns it into `{ exists: false }`; where
 * it escapes (a list call), it is a permanent failure like any other.
 */
export class AwsNotFoundError extends PermanentReadError {}

/** How a failed AWS call is treated once the SDK's own retries are spent. */
export type AwsErrorClass = 'not-found' | 'transient' | 'permanent';

/**
 * Throttling codes of the services read (EC2 `RequestLimitExceeded`, Route 53 `Throttling` and
 * `PriorRequestNotComplete`, Route 53 Resolver `ThrottlingException`), and the SDK's generic ones.
 */
const THROTTLING = new Set([
  'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottledException', 'RequestThrottled',
  'TooManyRequestsException', 'RequestLimitExceeded', 'BandwidthLimitExceeded', 'SlowDown',
  'PriorRequestNotComplete', 'EC2ThrottledException', 'ProvisionedThroughputExceededException',
]);

/** Server-side and timeout codes a later attempt may not meet. */
const UNAVAILABLE = new Set([
  'InternalError', 'InternalFailure', 'InternalServerError', 'InternalServiceErrorException',
  'ServiceUnavailable', 'ServiceUnavailableException', 'Unavailable', 'RequestTimeout',
  'RequestTimeoutException', 'TimeoutError',
]);

/** Node's network error codes: the endpoint could not be reached or dropped the connection. */
const NETWORK = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH',
  'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT',
]);

const NOT_FOUND = new Set(['NoSuchHostedZone', 'ResourceNotFoundException']);

interface SdkErrorFields {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown; attempts?: unknown };
}

function fieldsOf(error: unknown): SdkErrorFields {
  return typeof error === 'object' && error !== null ? error as SdkErrorFields : {};
}

/**
 * The error's code: an SDK service exception is named after the AWS error code; a network error
 * carries Node's code (`ECONNREFUSED`) on a plain `Error` or `AggregateError`.
 */
export function awsErrorCode(error: unknown): string {
  const { name, code, $metadata } = fieldsOf(error);
  const named = typeof name === 'string' && name !== '' && name !== 'Error' && name !== 'AggregateError' ? name : undefined;
  const coded = typeof code === 'string' && code !== '' ? code : undefined;
  if ($metadata?.httpStatusCode !== undefined) return named ?? coded ?? 'UnknownError';
  return coded ?? named ?? 'UnknownError';
}

function httpStatus(error: unknown): number | undefined {
  const status = fieldsOf(error).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** How a failed call is treated: a missing resource, worth retrying later, or not. */
export function classifyAwsError(error: unknown): AwsErrorClass {
  const code = awsErrorCode(error);
  if (NOT_FOUND.has(code) || code.endsWith('NotFound')) return 'not-found';
  if (THROTTLING.has(code) || UNAVAILABLE.has(code) || NETWORK.has(code)) return 'transient';
  const status = httpStatus(error);
  if (status !== undefined && (status >= 500 || status === 429)) return 'transient';
  if (status === undefined && fieldsOf(error).$fault === 'server') return 'transient';
  return 'permanent';
}

/** What to do when the SDK's credential chain found nothing (its own message lists every provider it tried). */
const NO_CREDENTIALS = 'no AWS credentials found: sign in (aws sso login, or AWS_PROFILE), set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role is attached';

/**
 * The netdrift error for a failed AWS call, in one line naming the call, what it read and the
 * code. The AWS message is left out: an authorization failure's can run to kilobytes of encoded
 * policy context. Credentials never reach it. The original is kept as `cause`.
 */
export function awsReadError(operation: string, subject: string, error: unknown): PermanentReadError | TransientError {
  // The credentials of the account could not be had (account-credentials.ts): that failure already
  // names the role and why, and a "not found" from STS must never read as a deleted resource.
  if (error instanceof TransientError) return error;
  if (error instanceof PermanentReadError && !(error instanceof AwsNotFoundError)) return error;
  const status = httpStatus(error);
  const attempts = fieldsOf(error).$metadata?.attempts;
  const code = awsErrorCode(error);
  const message = `${operation} ${subject}: ${code}`
    + (code === 'CredentialsProviderError' ? ` (${NO_CREDENTIALS})` : '')
    + (status === undefined ? '' : ` (HTTP ${status})`)
    + (typeof attempts === 'number' && attempts > 1 ? `, after ${attempts} attempts` : '');
  switch (classifyAwsError(error)) {
    case 'not-found': return new AwsNotFoundError(message, { cause: error });
    case 'transient': return new TransientError(message, { cause: error });
    default: return new PermanentReadError(message, { cause: error });
  }
}

/** One AWS call, with its failure mapped by `awsReadError`. */
export async function awsCall<T>(operation: string, subject: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw awsReadError(operation, subject, error);
  }
}

/** Every item of every page of an SDK paginator, with a failure mapped by `awsReadError`. */
export async function awsPages<P, T>(
  operation: string, subject: string, pages: AsyncIterable<P>, items: (page: P) => readonly T[] | undefined,
): Promise<T[]> {
  const all: T[] = [];
  try {
    for await (const page of pages) all.push(...(items(page) ?? []));
  } catch (error) {
    throw awsReadError(operation, subject, error);
  }
  return all;
}

/** The result of a read of one resource that may have gone between a list and the read. */
export async function unlessGone<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof AwsNotFoundError) return undefined;
    throw error;
  }
}
