import { z } from 'zod';
import type { Actor, ParsedRecord } from '../../core/change.js';
import type { CloudAdapter } from '../../core/ports.js';
import { armActor, armChanges, notAChange, type Outcome } from './audit.js';
import { azureCatalogRow } from './catalog.js';
import { isAzureCloudEvent, isEventGridEvent } from './event-grid.js';
import { MAX_ID, MAX_RESOURCE_ID } from './limits.js';
import { clip, isObject, issueReason, quote, rejected, withIndex } from '../../core/reasons.js';

const time = z.iso.datetime({ offset: true });
const resourceId = z.string().min(1).max(MAX_RESOURCE_ID);
const optionalId = z.string().min(1).max(MAX_ID).optional();
const claims = z.record(z.string(), z.unknown());
const authorization = z.looseObject({ evidence: z.unknown().optional() });

/**
 * An Activity Log record as diagnostic settings export it to storage or Event Hubs, `operationName` a string
 * (https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema#schema-from-storage-account-and-event-hubs).
 */
export const ActivityLogRecordSchema = z.looseObject({
  time,
  resourceId,
  operationName: z.string().min(1),
  resultType: z.string().min(1),
  correlationId: optionalId,
  eventDataId: optionalId,
  callerIpAddress: z.string().optional(),
  location: z.string().optional(),
  identity: z.looseObject({ claims: claims.optional(), authorization: authorization.optional() }).optional(),
});

/**
 * An Activity Log event as the REST API, the CLI and the portal give it, `operationName` and `status` as
 * `{value, localizedValue}` (https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema).
 */
export const ActivityLogEventSchema = z.looseObject({
  eventTimestamp: time,
  resourceId,
  operationName: z.looseObject({ value: z.string().min(1) }),
  status: z.looseObject({ value: z.string().min(1) }),
  eventDataId: optionalId,
  correlationId: optionalId,
  caller: z.string().optional(),
  subscriptionId: z.string().optional(),
  claims: claims.optional(),
  authorization: authorization.optional(),
  httpRequest: z.looseObject({ clientIpAddress: z.string().optional() }).optional(),
});

/** Both shapes, reduced to what netdrift needs. */
interface ActivityEntry {
  status: string;
  statusField: string;
  eventDataId?: string | undefined;
  correlationId?: string | undefined;
  operationName: string;
  resourceId: string;
  time: string;
  actor: Actor;
  location?: string | undefined;
}

type EntryResult = { entry: ActivityEntry } | { error: z.ZodError };

function diagnosticEntry(raw: unknown): EntryResult {
  const parsed = ActivityLogRecordSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return { error: parsed.error };
  const record = parsed.data;
  return { entry: {
    status: record.resultType, statusField: 'resultType', eventDataId: record.eventDataId, correlationId: record.correlationId,
    operationName: record.operationName, resourceId: record.resourceId, time: record.time, location: record.location,
    actor: armActor({ claims: record.identity?.claims, evidence: record.identity?.authorization?.evidence, clientIp: record.callerIpAddress }),
  } };
}

function restEntry(raw: unknown): EntryResult {
  const parsed = ActivityLogEventSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return { error: parsed.error };
  const event = parsed.data;
  return { entry: {
    status: event.status.value, statusField: 'status.value', eventDataId: event.eventDataId, correlationId: event.correlationId,
    operationName: event.operationName.value, resourceId: event.resourceId, time: event.eventTimestamp,
    actor: armActor({ claims: event.claims, evidence: event.authorization?.evidence, caller: event.caller, clientIp: event.httpRequest?.clientIpAddress }),
  } };
}

/** Activity Log result types and statuses (`Start`, `Accept`, `Success`, `Failure`; the REST API's past tenses). */
const OUTCOMES: Readonly<Record<string, Outcome>> = {
  start: 'in-progress', started: 'in-progress', accept: 'in-progress', accepted: 'in-progress',
  success: 'succeeded', succeeded: 'succeeded',
  failure: 'failed', failed: 'failed', canceled: 'failed', cancelled: 'failed',
};

/**
 * The id to deduplicate by: `eventDataId` where the record has one; else the correlation id, which an
 * operation's Start and Success records share, with the operation and the resource (lower-cased: ARM ids
 * are case-insensitive).
 */
function activityEventId(eventDataId: unknown, correlationId: unknown, operationName: string, id: unknown): string | undefined {
  const usable = (value: unknown, max: number): value is string => typeof value === 'string' && value !== '' && value.length <= max;
  if (usable(eventDataId, MAX_ID)) return eventDataId;
  if (!usable(correlationId, MAX_ID) || !usable(id, MAX_RESOURCE_ID) || operationName.length > MAX_ID) return undefined;
  return `${correlationId}|${operationName.toLowerCase()}|${id.toLowerCase()}`;
}

const DiagnosticKeySchema = z.looseObject({ operationName: z.string().min(1) });
const RestKeySchema = z.looseObject({ operationName: z.looseObject({ value: z.string().min(1) }) });

/** One Activity Log record or event, of either shape. */
function parseActivity(raw: unknown, where: string): ParsedRecord {
  const rest = isObject(raw) && isObject(raw.operationName);
  const key = rest ? RestKeySchema.safeParse(raw, { reportInput: true }) : DiagnosticKeySchema.safeParse(raw, { reportInput: true });
  if (!key.success) return rejected(issueReason(where, key.error));
  const operationName = typeof key.data.operationName === 'string' ? key.data.operationName : key.data.operationName.value;
  const knownId = activityEventId(key.data.eventDataId, key.data.correlationId, operationName, key.data.resourceId);
  const known = knownId ? { eventId: knownId } : {};
  const row = azureCatalogRow(operationName);
  if (!row) return { status: 'ignored', ...known, reason: 'unwatched', detail: clip(operationName, 160) };

  const result = rest ? restEntry(raw) : diagnosticEntry(raw);
  if ('error' in result) return rejected(issueReason(where, result.error));
  const { entry } = result;
  const outcome = OUTCOMES[entry.status.toLowerCase()];
  if (!outcome) {
    return rejected(`${where}: ${entry.statusField}: expected Start, Accept, Success or Failure, got ${quote(entry.status)}`);
  }
  const skipped = notAChange(row, outcome, entry.status, knownId);
  if (skipped) return skipped;
  if (!knownId) return rejected(`${where}: eventDataId and correlationId missing (nothing to deduplicate by)`);
  return armChanges({
    where, eventId: knownId, row, resourceId: entry.resourceId, resourceField: 'resourceId', time: entry.time,
    actor: entry.actor, location: entry.location,
  });
}

const ExportSchema = z.looseObject({ records: z.array(z.unknown()) });

/**
 * One page of the REST API's list (https://learn.microsoft.com/rest/api/monitor/activity-logs/list):
 * `{"value": [...], "nextLink": ...}`. Only this page is read: following `nextLink` is the caller's.
 */
const ListPageSchema = z.looseObject({ value: z.array(z.unknown()) });

function isListPage(raw: unknown): raw is { value: unknown[] } {
  return isObject(raw) && Array.isArray(raw.value) && (raw.value.length === 0 || raw.value.some(isActivityLogRecord));
}

function parseListPage(raw: unknown): ParsedRecord[] {
  const parsed = ListPageSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return [rejected(issueReason('Activity Log list', parsed.error))];
  if (parsed.data.value.length === 0) return [rejected('Activity Log list: value is empty (no audit record to process)')];
  return parsed.data.value.map((member, index) => withIndex(parseActivity(member, `Activity Log list value[${index}]`), index));
}

/**
 * An Activity Log export → one parsed record per entry: `{"records": [...]}` as diagnostic settings write
 * it, a JSON array of events (`az monitor activity-log list`), or a page of the REST API's list
 * (`{"value": [...]}`, `az rest`). A bad entry is rejected with its index.
 */
export function parseActivityLogExport(raw: unknown): ParsedRecord[] {
  if (Array.isArray(raw)) return raw.map((member, index) => withIndex(parseActivity(member, `Activity Log events [${index}]`), index));
  if (isListPage(raw)) return parseListPage(raw);
  const parsed = ExportSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return [rejected(issueReason('Activity Log export', parsed.error))];
  if (parsed.data.records.length === 0) return [rejected('Activity Log export: records is empty (no audit record to process)')];
  return parsed.data.records.map((member, index) => withIndex(parseActivity(member, `Activity Log export records[${index}]`), index));
}

/** One Activity Log record or event (not wrapped), e.g. from a replay. */
export function parseActivityLogRecord(raw: unknown): ParsedRecord[] {
  return [parseActivity(raw, 'Activity Log record')];
}

/** Is `raw` one Activity Log record or event, of either shape (and not an Event Grid event)? */
export function isActivityLogRecord(raw: unknown): boolean {
  if (!isObject(raw) || 'eventType' in raw || 'specversion' in raw) return false;
  const name = raw.operationName;
  return typeof name === 'string' || (isObject(name) && typeof name.value === 'string');
}

/** Is `raw` an Activity Log export: `{"records": [...]}`, an array of Activity Log events, or a REST list page of them? */
export function isActivityLogExport(raw: unknown): boolean {
  if (Array.isArray(raw)) return raw.some(isActivityLogRecord) && !raw.some((member) => isEventGridEvent(member) || isAzureCloudEvent(member));
  return isObject(raw) && (Array.isArray(raw.records) || isListPage(raw));
}

/** Activity Log exports, for replay. */
export const activityLogExportAdapter: CloudAdapter = {
  name: 'azure-activity-log',
  cloud: 'azure',
  matches: isActivityLogExport,
  parse: parseActivityLogExport,
};

/** A single Activity Log record or event, for replay. */
export const activityLogRecordAdapter: CloudAdapter = {
  name: 'azure-activity-log-record',
  cloud: 'azure',
  matches: isActivityLogRecord,
  parse: parseActivityLogRecord,
};
