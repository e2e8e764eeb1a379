import { z } from 'zod';
import type { Actor, ChangeEvent, ParsedRecord } from '../../core/change.js';
import { ParseError } from '../../core/errors.js';
import { awsCatalogRow, serviceOf } from './catalog.js';
import { awsExtractors } from './extractors.js';
import { unwrapped } from './payload-reader.js';
import { clip, isObject, issueReason, rejected } from '../../core/reasons.js';
import { safeChanges, usableEventId } from '../../core/safe-text.js';

/** What is needed to tell a record's operation: enough to ignore what nobody watches. */
const EventKeySchema = z.looseObject({
  eventSource: z.string().min(1),
  eventName: z.string().min(1),
});

const optionalText = z.string().optional();

/**
 * A CloudTrail record (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html),
 * the fields netdrift relies on. The payloads stay open: `PayloadNode` reads them.
 */
export const CloudTrailRecordSchema = z.looseObject({
  eventVersion: optionalText,
  eventID: z.string().min(1),
  eventSource: z.string().min(1),
  eventName: z.string().min(1),
  eventTime: z.iso.datetime({ offset: true }),
  awsRegion: z.string().min(1),
  eventType: optionalText,
  recipientAccountId: optionalText,
  errorCode: z.string().nullish(),
  errorMessage: z.string().nullish(),
  sourceIPAddress: optionalText,
  userAgent: optionalText,
  userIdentity: z.looseObject({
    arn: optionalText, principalId: optionalText, invokedBy: optionalText, accountId: optionalText,
  }).optional(),
  requestParameters: z.record(z.string(), z.unknown()).nullish(),
  responseElements: z.record(z.string(), z.unknown()).nullish(),
});
export type CloudTrailRecord = z.infer<typeof CloudTrailRecordSchema>;

/** Where a record sits in its delivery, for reasons and for the account fallback. */
export interface RecordContext {
  /** How reasons start, e.g. `CloudTrail record`, `EventBridge event`, `CloudTrail log file Records[3]`. */
  where: string;
  /** The record's path inside its envelope, e.g. `detail`; empty for a bare record. */
  path: string;
  /** The EventBridge envelope's `account`, used when the record has no `recipientAccountId`. */
  envelopeAccount?: string;
}

const BARE_RECORD: RecordContext = { where: 'CloudTrail record', path: '' };

/**
 * CloudTrail record types that carry a call (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html,
 * `eventType`). Another type in a trail's log file (CloudTrail Insights' `AwsCloudTrailInsight`, one
 * added later) is a well-formed record nobody watches: ignored, not rejected for the call fields it lacks.
 */
const CALL_RECORD_TYPES: ReadonlySet<string> = new Set(['AwsApiCall', 'AwsServiceEvent', 'AwsConsoleAction', 'AwsConsoleSignIn', 'AwsVpceEvent']);

/** Is `eventType` absent, or one of the record types that carry a call? */
export function isCallRecordType(eventType: unknown): boolean {
  return typeof eventType !== 'string' || eventType === '' || CALL_RECORD_TYPES.has(eventType);
}

/** Route 53 is a global service: its events arrive in us-east-1 but its zones live nowhere in particular. */
const GLOBAL_SOURCES = new Set(['route53.amazonaws.com']);

function nonEmpty(...values: (string | undefined | null)[]): string | undefined {
  return values.find((value): value is string => typeof value === 'string' && value.trim() !== '');
}

function actorOf(record: CloudTrailRecord): Actor {
  const identity = record.userIdentity;
  const principal = nonEmpty(identity?.arn, identity?.principalId, identity?.invokedBy);
  return {
    ...(principal ? { principal } : {}),
    ...(record.sourceIPAddress ? { sourceIp: record.sourceIPAddress } : {}),
    ...(record.userAgent ? { userAgent: record.userAgent } : {}),
  };
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/**
 * One CloudTrail record → what it is to netdrift: changes, ignored (unwatched, failed call) or
 * rejected with a one-line reason. Never throws for bad input.
 */
export function parseCloudTrailRecord(raw: unknown, context: RecordContext = BARE_RECORD): ParsedRecord {
  const { where, path } = context;
  const key = EventKeySchema.safeParse(raw, { reportInput: true });
  if (!key.success) {
    const type = isObject(raw) ? raw.eventType : undefined;
    if (isCallRecordType(type)) return { status: 'rejected', reason: issueReason(where, key.error, path) };
    const id = usableEventId(isObject(raw) ? raw.eventID : undefined);
    return { status: 'ignored', ...(id ? { eventId: id } : {}), reason: 'unwatched', detail: `${clip(String(type), 60)} record` };
  }
  const operation = clip(`${serviceOf(key.data.eventSource)}:${key.data.eventName}`, 120);
  const usableId = usableEventId(key.data.eventID);
  const knownId = usableId ? { eventId: usableId } : {};
  const row = awsCatalogRow(key.data.eventSource, key.data.eventName);
  // Network activity events (eventType AwsVpceEvent) share the trail but record traffic through
  // a VPC endpoint, not a configuration change:
  // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-network-events-with-cloudtrail.html
  if (key.data.eventType === 'AwsVpceEvent') {
    return { status: 'ignored', ...knownId, reason: 'unwatched', detail: `${operation} network activity (AwsVpceEvent)` };
  }
  if (!row) return { status: 'ignored', ...knownId, reason: 'unwatched', detail: operation };

  const parsed = CloudTrailRecordSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return { status: 'rejected', reason: issueReason(where, parsed.error, path) };
  const record = parsed.data;
  if (nonEmpty(record.errorCode)) {
    return { status: 'ignored', ...knownId, reason: 'failed-call', detail: clip(`${operation} failed: ${record.errorCode}`, 120) };
  }
  const account = nonEmpty(record.recipientAccountId, context.envelopeAccount, record.userIdentity?.accountId);
  if (!account) {
    return { status: 'rejected', reason: `${where}: account missing (no recipientAccountId, envelope account or userIdentity.accountId)` };
  }
  const extract = awsExtractors[row.operation];
  if (!extract) throw new Error(`catalog row ${row.operation} has no extractor`);
  const region = GLOBAL_SOURCES.has(record.eventSource) ? 'global' : record.awsRegion;
  const request = unwrapped(record.requestParameters, join(path, 'requestParameters'));
  const response = unwrapped(record.responseElements, join(path, 'responseElements'));
  try {
    const drafts = extract({ request, response, region });
    const common = {
      cloud: 'aws' as const, account, region, eventId: record.eventID, operation: row.operation,
      time: record.eventTime, actor: actorOf(record), kind: row.kind, action: row.action,
    };
    const changes = safeChanges(drafts.map((draft): ChangeEvent => Object.assign({}, common, draft)));
    if ('problem' in changes) return rejected(`${where} ${row.operation}: ${changes.problem}`);
    return { status: 'changes', eventId: record.eventID, changes: changes.value };
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    return { status: 'rejected', reason: clip(`${where} ${row.operation}: ${error.message}`) };
  }
}
