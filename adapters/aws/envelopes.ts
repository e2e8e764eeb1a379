import { z } from 'zod';
import type { ParsedRecord } from '../../core/change.js';
import { oneLine } from '../../core/errors.js';
import type { CloudAdapter } from '../../core/ports.js';
import { CLOUDTRAIL_DETAIL_TYPE } from './catalog.js';
import { isCallRecordType, parseCloudTrailRecord } from './cloudtrail.js';
import { clip, isObject, issueReason, quote, rejected, withIndex } from '../../core/reasons.js';

/** An EventBridge event (https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html). */
export const EventBridgeEventSchema = z.looseObject({
  'detail-type': z.string(),
  source: z.string().optional(),
  account: z.string().optional(),
  region: z.string().optional(),
  id: z.string().optional(),
  time: z.string().optional(),
  detail: z.unknown(),
});
export type EventBridgeEvent = z.infer<typeof EventBridgeEventSchema>;

/** Is `raw` shaped like an EventBridge event? */
export function isEventBridgeEvent(raw: unknown): boolean {
  return isObject(raw) && typeof raw['detail-type'] === 'string' && 'detail' in raw;
}

function parseEventBridge(raw: unknown, where = 'EventBridge event'): ParsedRecord {
  const parsed = EventBridgeEventSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return { status: 'rejected', reason: issueReason(where, parsed.error) };
  const event = parsed.data;
  if (event['detail-type'] !== CLOUDTRAIL_DETAIL_TYPE) {
    const detail = `EventBridge detail-type ${quote(event['detail-type'])}`;
    return { status: 'ignored', ...(event.id ? { eventId: event.id } : {}), reason: 'unwatched', detail };
  }
  return parseCloudTrailRecord(event.detail, { where, path: 'detail', envelopeAccount: event.account });
}

/**
 * Is `raw` shaped like a bare CloudTrail record (not wrapped in an envelope)? A call's, or a record of
 * another type (`eventType` and `eventID`, no call: CloudTrail Insights), which the parser ignores.
 */
export function isCloudTrailRecord(raw: unknown): boolean {
  if (!isObject(raw) || 'detail-type' in raw || 'Records' in raw) return false;
  if (typeof raw.eventSource === 'string' && typeof raw.eventName === 'string') return true;
  return typeof raw.eventType === 'string' && typeof raw.eventID === 'string' && !isCallRecordType(raw.eventType);
}

/** `{"Records": [...]}`: an SQS event (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html) or a CloudTrail log file. */
const RecordsSchema = z.looseObject({ Records: z.array(z.unknown()) });
const SqsRecordSchema = z.looseObject({ messageId: z.string().optional(), eventSource: z.literal('aws:sqs'), body: z.string() });

function firstRecord(raw: unknown): unknown {
  return isObject(raw) && Array.isArray(raw.Records) ? raw.Records[0] : undefined;
}

/** Is `raw` an SQS event delivered to Lambda? */
export function isSqsEvent(raw: unknown): boolean {
  const first = firstRecord(raw);
  return isObject(first) && first.eventSource === 'aws:sqs';
}

/** An SQS message body: an EventBridge event (the rule's target is the queue), or a bare CloudTrail record. */
function parseSqsBody(body: string, where: string): ParsedRecord {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    return { status: 'rejected', reason: `${where}: body is not JSON (${clip(oneLine(error), 80)})` };
  }
  if (isEventBridgeEvent(value)) return parseEventBridge(value, `${where}: EventBridge event`);
  if (isCloudTrailRecord(value)) return parseCloudTrailRecord(value, { where: `${where}: CloudTrail record`, path: '' });
  return { status: 'rejected', reason: `${where}: body is not an EventBridge event (got ${quote(value)})` };
}

function parseSqs(raw: unknown): ParsedRecord[] {
  const parsed = RecordsSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return [{ status: 'rejected', reason: issueReason('SQS event', parsed.error) }];
  return parsed.data.Records.map((member, index): ParsedRecord => {
    const where = `SQS Records[${index}]`;
    const record = SqsRecordSchema.safeParse(member, { reportInput: true });
    if (!record.success) return { status: 'rejected', index, reason: issueReason(where, record.error) };
    return withIndex(parseSqsBody(record.data.body, where), index);
  });
}

/** Is `raw` a CloudTrail log file as delivered to S3, `{"Records": [...]}`? */
export function isCloudTrailLogFile(raw: unknown): boolean {
  return isObject(raw) && Array.isArray(raw.Records) && !isSqsEvent(raw);
}

function parseLogFile(raw: unknown): ParsedRecord[] {
  const parsed = RecordsSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return [{ status: 'rejected', reason: issueReason('CloudTrail log file', parsed.error) }];
  if (parsed.data.Records.length === 0) return [rejected('CloudTrail log file: Records is empty (no audit record to process)')];
  return parsed.data.Records.map((member, index) =>
    withIndex(parseCloudTrailRecord(member, { where: `CloudTrail log file Records[${index}]`, path: '' }), index));
}

/** EventBridge `AWS API Call via CloudTrail` events, as a rule delivers them to Lambda. */
export const eventBridgeAdapter: CloudAdapter = {
  name: 'aws-eventbridge',
  cloud: 'aws',
  matches: isEventBridgeEvent,
  parse: (raw) => [parseEventBridge(raw)],
};

/** EventBridge events queued in SQS: one record per message; a bad body rejects only its message. */
export const sqsAdapter: CloudAdapter = {
  name: 'aws-sqs',
  cloud: 'aws',
  matches: isSqsEvent,
  parse: parseSqs,
};

/** A bare CloudTrail record (from a replay, a test, or a forwarder that strips the envelope). */
export const cloudTrailRecordAdapter: CloudAdapter = {
  name: 'aws-cloudtrail-record',
  cloud: 'aws',
  matches: isCloudTrailRecord,
  parse: (raw) => [parseCloudTrailRecord(raw)],
};

/** A CloudTrail log file: one parsed record per element of `Records`. */
export const cloudTrailLogFileAdapter: CloudAdapter = {
  name: 'aws-cloudtrail-log-file',
  cloud: 'aws',
  matches: isCloudTrailLogFile,
  parse: parseLogFile,
};
