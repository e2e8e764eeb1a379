import { OperatorError, PermanentReadError, TransientError } from '../../core/errors.js';

/**
 * The resource an ARM read asked for is not there (404 `ResourceNotFound`, `ParentResourceNotFound`,
 * `ResourceGroupNotFound`, `NotFound`). `read` turns it into `{ exists: false }`.
 */
export class ArmNotFoundError extends PermanentReadError {}

/** 404 codes that mean the resource (or what holds it) is gone, not that the subscription is out of reach. */
const GONE = new Set(['resourcenotfound', 'parentresourcenotfound', 'resourcegroupnotfound', 'notfound']);

/** Node and SDK codes of a call that never got an answer. */
const UNREACHABLE = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND',
  'EAI_AGAIN', 'REQUEST_SEND_ERROR', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT',
]);

interface ErrorFields {
  name?: unknown;
  code?: unknown;
  statusCode?: unknown;
  response?: { headers?: { get?: (name: string) => string | undefined } };
}

function fieldsOf(error: unknown): ErrorFields {
  return typeof error === 'object' && error !== null ? error as ErrorFields : {};
}

function header(error: unknown, name: string): string | undefined {
  const get = fieldsOf(error).response?.headers?.get;
  return typeof get === 'function' ? get.call(fieldsOf(error).response?.headers, name) ?? undefined : undefined;
}

/** The HTTP status of a failed SDK call (core-client `RestError.statusCode`, ms-rest-js `statusCode`). */
export function armStatus(error: unknown): number | undefined {
  const status = fieldsOf(error).statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The ARM error code (`ResourceNotFound`, `AuthorizationFailed`) or the network code. */
export function armCode(error: unknown): string {
  const { code, name } = fieldsOf(error);
  if (typeof code === 'string' && code !== '') return code;
  return typeof name === 'string' && name !== '' && name !== 'Error' ? name : 'UnknownError';
}

/** What a 429 said about when to come back and what is left, for the one-line reason. */
function throttleDetail(error: unknown): string {
  const wait = header(error, 'x-netdrift-retry-after-ms') ?? header(error, 'retry-after-ms');
  const seconds = wait !== undefined ? Number(wait) / 1000 : Number(header(error, 'retry-after'));
  const remaining = ['reads', 'resource-requests', 'tenant-reads']
    .map((kind) => [kind, header(error, `x-ms-ratelimit-remaining-subscription-${kind}`)] as const)
    .find(([, value]) => value !== undefined);
  return (Number.isFinite(seconds) ? `, retry after ${seconds} s` : '')
    + (remaining ? `, ${remaining[1]} subscription ${remaining[0]} left` : '');
}

/**
 * The netdrift error for a failed ARM call, in one line naming the call and what it read. ARM's own message is
 * left out (an AuthorizationFailed one spells the caller's object id and the whole action); the original is `cause`.
 * 404 → `ArmNotFoundError`; 429, 5xx, timeouts and unreachable endpoints → `TransientError` (the SDK has already
 * retried them within its bound); 401/403 and a credential that cannot sign → `OperatorError('access-denied')`
 * naming the missing `Reader` role; anything else → `PermanentReadError`.
 */
/** `subscription`: the subscription id the call read in, or a scope path (`/providers/Microsoft.Management/managementGroups/mg`). */
export function armReadError(call: string, subject: string, subscription: string, error: unknown): Error {
  if (error instanceof TransientError || error instanceof PermanentReadError || error instanceof OperatorError) return error;
  const status = armStatus(error);
  const code = armCode(error);
  const message = `${call} ${subject}: ${code}${status === undefined ? '' : ` (HTTP ${status})`}`;
  const scope = subscription.startsWith('/') ? subscription : `/subscriptions/${subscription}`;
  if (status === 404 && GONE.has(code.toLowerCase())) return new ArmNotFoundError(message, { cause: error });
  if (status === 429) return new TransientError(`${message}: throttled${throttleDetail(error)}`, { cause: error });
  if (status !== undefined && (status >= 500 || status === 408)) return new TransientError(message, { cause: error });
  if (status === 401 || status === 403) {
    return new OperatorError('access-denied', `${message}: the reader's managed identity lacks Reader on ${scope}`,
      `grant the reader's identity the Reader role on ${scope} (or on its management group)`, { cause: error, location: scope });
  }
  const name = fieldsOf(error).name;
  if (name === 'CredentialUnavailableError' || name === 'AuthenticationRequiredError') {
    return new OperatorError('access-denied', `${call} ${subject}: no Azure credential available (${name})`,
      'give the Function App a managed identity (AZURE_CLIENT_ID for a user-assigned one), or sign in with az login', { cause: error, location: scope });
  }
  if (status === undefined && (UNREACHABLE.has(code) || name === 'AbortError' || name === 'AuthenticationError')) {
    return new TransientError(message, { cause: error });
  }
  return new PermanentReadError(message, { cause: error });
}

/** One ARM call, its failure mapped by `armReadError`. */
export async function armCall<T>(call: string, subject: string, subscription: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw armReadError(call, subject, subscription, error);
  }
}

/** Every item of every page (the SDK follows `nextLink`), a failure mapped by `armReadError`. */
export async function armPages<T>(call: string, subject: string, subscription: string, pages: () => AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  try {
    for await (const item of pages()) all.push(item);
  } catch (error) {
    throw armReadError(call, subject, subscription, error);
  }
  return all;
}

/** The result of a read that may find the resource gone (between a list and the read, or deleted). */
export async function unlessGone<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ArmNotFoundError) return undefined;
    throw error;
  }
}
