import { awsCatalog } from '../adapters/aws/catalog.js';
import { isCallRecordType } from '../adapters/aws/cloudtrail.js';
import { cloudTrailRecordAdapter } from '../adapters/aws/envelopes.js';
import { activityLogRecordAdapter } from '../adapters/azure/activity-log.js';
import { azureCatalog } from '../adapters/azure/catalog.js';
import { gcpCatalog, normalizeMethod } from '../adapters/gcp/catalog.js';
import { logEntryAdapter } from '../adapters/gcp/envelopes.js';
import { allAdapters } from '../adapters/index.js';
import { isObject } from '../core/reasons.js';
import type { CapturedFields } from './archive-scanner.js';

/**
 * The cheap check that drops, before any schema validation, an archived record whose operation no
 * catalog watches. It says "unwatched" only where the pipeline would: for a value the same adapter
 * would pick, with the same non-empty key fields, and an operation its catalog has no row for, so
 * watched records (and malformed ones, which the adapter rejects with a reason) go the normal way.
 */

/** Watched operation names by event source: looked up without building a key string per record. */
const awsWatched = new Map<string, Set<string>>();
for (const row of awsCatalog) awsWatched.set(row.source, (awsWatched.get(row.source) ?? new Set()).add(row.name));
/** The same, as bytes, for the scanner's fields: compared in place, no string made per record. */
const awsWatchedBytes = [...awsWatched].map(([source, names]) => ({ source: Buffer.from(source), names: [...names].map((name) => Buffer.from(name)) }));
const azureWatched = new Set(azureCatalog.map((row) => row.name.toLowerCase()));
const gcpWatched = new Set(gcpCatalog.map((row) => row.name));

/** The top-level fields of a CloudTrail log file element that the scanner captures for `cloudTrailElementWanted`, in this order. */
export const CLOUDTRAIL_FIELDS: readonly string[] = ['eventSource', 'eventName', 'eventType', 'detail-type', 'Records'];
const EVENT_SOURCE = 0, EVENT_NAME = 1, EVENT_TYPE = 2, DETAIL_TYPE = 3, RECORDS = 4;

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function awsUnwatched(eventSource: unknown, eventName: unknown): boolean {
  return nonEmpty(eventSource) && nonEmpty(eventName) && awsWatched.get(eventSource)?.has(eventName) !== true;
}

/**
 * Does a CloudTrail log file element need parsing, judged from its captured top-level fields? Not
 * when it is a bare CloudTrail record (no `detail-type`, no `Records`) of an unwatched operation, or
 * a record of a type that carries no call at all (CloudTrail Insights), as `parseCloudTrailRecord` says.
 */
export function cloudTrailElementWanted(fields: CapturedFields): boolean {
  if (fields.has(DETAIL_TYPE) || fields.has(RECORDS)) return true;
  if (!fields.has(EVENT_SOURCE)) {
    const eventType = fields.value(EVENT_TYPE);
    return !(nonEmpty(eventType) && !isCallRecordType(eventType));
  }
  // awsUnwatched, on the bytes.
  if (!fields.nonEmpty(EVENT_SOURCE) || !fields.nonEmpty(EVENT_NAME)) return true;
  const watched = awsWatchedBytes.find((entry) => fields.is(EVENT_SOURCE, entry.source));
  return watched !== undefined && watched.names.some((name) => fields.is(EVENT_NAME, name));
}

function azureOperation(raw: Record<string, unknown>): unknown {
  const name = raw.operationName;
  return isObject(name) ? name.value : name;
}

/** Is this parsed value one record the pipeline would ignore as unwatched (and nothing else)? */
export function unwatchedRecord(value: unknown): boolean {
  if (!isObject(value)) return false;
  const adapter = allAdapters.find((candidate) => candidate.matches(value));
  if (adapter === cloudTrailRecordAdapter) return awsUnwatched(value.eventSource, value.eventName);
  if (adapter === activityLogRecordAdapter) {
    const operation = azureOperation(value);
    return nonEmpty(operation) && !azureWatched.has(operation.trim().toLowerCase());
  }
  if (adapter === logEntryAdapter) {
    const payload = value.protoPayload;
    return isObject(payload) && nonEmpty(payload.methodName) && !gcpWatched.has(normalizeMethod(payload.methodName));
  }
  return false;
}
