import { awsCatalog } from '../adapters/aws/catalog.js';
import { cloudTrailRecordAdapter } from '../adapters/aws/envelopes.js';
import { activityLogRecordAdapter } from '../adapters/azure/activity-log.js';
import { azureCatalog } from '../adapters/azure/catalog.js';
import { gcpCatalog, normalizeMethod } from '../adapters/gcp/catalog.js';
import { logEntryAdapter } from '../adapters/gcp/envelopes.js';
import { allAdapters } from '../adapters/index.js';
import { isObject } from '../core/reasons.js';

/**
 * The cheap check that drops, before any schema validation, an archived record whose operation no
 * catalog watches. It says "unwatched" only where the pipeline would: for a value the same adapter
 * would pick, with the same non-empty key fields, and an operation its catalog has no row for, so
 * watched records (and malformed ones, which the adapter rejects with a reason) go the normal way.
 */

const awsWatched = new Set(awsCatalog.map((row) => `${row.source} ${row.name}`));
const azureWatched = new Set(azureCatalog.map((row) => row.name.toLowerCase()));
const gcpWatched = new Set(gcpCatalog.map((row) => row.name));

/** The top-level fields of a CloudTrail log file element that the scanner captures for `cloudTrailElementWanted`. */
export const CLOUDTRAIL_FIELDS: ReadonlySet<string> = new Set(['eventSource', 'eventName', 'detail-type', 'Records']);

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function awsUnwatched(eventSource: unknown, eventName: unknown): boolean {
  return nonEmpty(eventSource) && nonEmpty(eventName) && !awsWatched.has(`${eventSource} ${eventName}`);
}

/**
 * Does a CloudTrail log file element need parsing, judged from its captured top-level fields? Not
 * when it is a bare CloudTrail record (no `detail-type`, no `Records`) of an unwatched operation.
 */
export function cloudTrailElementWanted(fields: ReadonlyMap<string, string | null>): boolean {
  if (fields.has('detail-type') || fields.has('Records')) return true;
  return !awsUnwatched(fields.get('eventSource'), fields.get('eventName'));
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
