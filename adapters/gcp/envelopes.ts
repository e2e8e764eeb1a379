import { z } from 'zod';
import type { ParsedRecord } from '../../core/change.js';
import type { CloudAdapter } from '../../core/ports.js';
import { isRecord, parseLogEntry } from './log-entry.js';
import { messageLabel, parsePubsubMessage } from './pubsub-message.js';
import { clip, issueReason, quote, rejected, withIndex } from '../../core/reasons.js';

/** Eventarc's CloudEvent types for a Pub/Sub message and for an audit log entry (https://cloud.google.com/eventarc/docs/reference/supported-events). */
export const MESSAGE_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';
export const AUDIT_LOG_WRITTEN = 'google.cloud.audit.log.v1.written';

/** A Pub/Sub push request body (https://cloud.google.com/pubsub/docs/push#receive_push). */
export const PubsubPushEnvelopeSchema = z.looseObject({ message: z.record(z.string(), z.unknown()), subscription: z.string().optional() });

/** A structured-mode CloudEvent as Eventarc delivers it (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/formats/json-format.md). */
export const CloudEventSchema = z.looseObject({
  specversion: z.string().min(1),
  type: z.string().min(1),
  id: z.string().optional(),
  source: z.string().optional(),
  time: z.string().optional(),
  data: z.unknown(),
});

/** Is `raw` a Pub/Sub push delivery, `{ message: { data, … }, subscription }`? */
export function isPubsubPushEnvelope(raw: unknown): boolean {
  return isRecord(raw) && isRecord(raw.message) && !('ackId' in raw) && !('specversion' in raw);
}

/** Is `raw` a pulled Pub/Sub message: a `PubsubMessage`, a `ReceivedMessage` (`{ ackId, message }`) or a pull response? */
export function isPubsubPulledMessage(raw: unknown): boolean {
  if (!isRecord(raw) || 'specversion' in raw) return false;
  if (Array.isArray(raw.receivedMessages)) return true;
  if (typeof raw.ackId === 'string') return isRecord(raw.message);
  return typeof raw.data === 'string' && !('message' in raw)
    && (typeof raw.messageId === 'string' || typeof raw.message_id === 'string');
}

/** Is `raw` a CloudEvent from a Google source (Eventarc)? Other producers' CloudEvents (Azure Event Grid) are not. */
export function isEventarcEvent(raw: unknown): boolean {
  return isRecord(raw) && typeof raw.specversion === 'string' && typeof raw.type === 'string' && raw.type.startsWith('google.cloud.');
}

/** Is `raw` a bare Cloud Logging LogEntry (a replay, or an Eventarc audit log event in binary mode)? */
export function isLogEntry(raw: unknown): boolean {
  return isRecord(raw) && !('message' in raw) && !('specversion' in raw)
    && (isRecord(raw.protoPayload) || (typeof raw.logName === 'string' && typeof raw.insertId === 'string'));
}

function parsePush(raw: unknown): ParsedRecord[] {
  const parsed = PubsubPushEnvelopeSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return [{ status: 'rejected', reason: issueReason('Pub/Sub push envelope', parsed.error) }];
  const { message } = parsed.data;
  return [parsePubsubMessage(message, `Pub/Sub push message${messageLabel(message)}`)];
}

function parsePulled(raw: unknown): ParsedRecord[] {
  if (!isRecord(raw)) return [{ status: 'rejected', reason: `Pub/Sub pulled message: expected an object, got ${quote(raw)}` }];
  if (Array.isArray(raw.receivedMessages)) {
    if (raw.receivedMessages.length === 0) return [rejected('Pub/Sub pull response: receivedMessages is empty (no message to process)')];
    return raw.receivedMessages.map((member: unknown, index) => {
      const message = isRecord(member) ? member.message : undefined;
      const where = `Pub/Sub receivedMessages[${index}]`;
      if (!isRecord(message)) return { status: 'rejected', index, reason: `${where}: message missing` };
      return withIndex(parsePubsubMessage(message, `${where} message${messageLabel(message)}`), index);
    });
  }
  const message = typeof raw.ackId === 'string' ? raw.message : raw;
  return [parsePubsubMessage(message, `Pub/Sub pulled message${messageLabel(message)}`)];
}

function parseEventarc(raw: unknown): ParsedRecord[] {
  const parsed = CloudEventSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return [{ status: 'rejected', reason: issueReason('Eventarc CloudEvent', parsed.error) }];
  const event = parsed.data;
  const where = `Eventarc ${clip(event.type, 80)} event${event.id ? ` ${clip(event.id, 64)}` : ''}`;
  if (event.type === AUDIT_LOG_WRITTEN) return [parseLogEntry(event.data, `${where}: LogEntry`)];
  if (event.type !== MESSAGE_PUBLISHED) {
    return [{ status: 'ignored', ...(event.id ? { eventId: event.id } : {}), reason: 'unwatched', detail: `CloudEvent type ${clip(event.type, 120)}` }];
  }
  const message = isRecord(event.data) ? event.data.message : undefined;
  if (!isRecord(message)) return [{ status: 'rejected', reason: `${where}: data.message missing` }];
  return [parsePubsubMessage(message, `${where} message${messageLabel(message)}`)];
}

/** Pub/Sub push deliveries from the Log Router sink's subscription: one LogEntry per request. */
export const pubsubPushAdapter: CloudAdapter = {
  name: 'gcp-pubsub-push',
  cloud: 'gcp',
  matches: isPubsubPushEnvelope,
  parse: parsePush,
};

/** Pulled Pub/Sub messages: one, as a `ReceivedMessage`, or a whole pull response (one record per message). */
export const pubsubPullAdapter: CloudAdapter = {
  name: 'gcp-pubsub-pull',
  cloud: 'gcp',
  matches: isPubsubPulledMessage,
  parse: parsePulled,
};

/** Eventarc CloudEvents: `messagePublished` (the sink's topic) or `audit.log.v1.written` (the LogEntry itself). */
export const eventarcAdapter: CloudAdapter = {
  name: 'gcp-eventarc',
  cloud: 'gcp',
  matches: isEventarcEvent,
  parse: parseEventarc,
};

/** A bare LogEntry: a replay, a test, or an Eventarc audit log event delivered in binary mode. */
export const logEntryAdapter: CloudAdapter = {
  name: 'gcp-audit-log-entry',
  cloud: 'gcp',
  matches: isLogEntry,
  parse: (raw) => [parseLogEntry(raw)],
};
