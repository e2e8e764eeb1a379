import type { KnownSystemEventTypes, ResourceWriteSuccessEventData, SubscriptionValidationEventData } from '@azure/eventgrid';
import { z } from 'zod';
import type { ParsedRecord } from '../../core/change.js';
import type { CloudAdapter } from '../../core/ports.js';
import { armActor, armChanges, notAChange, type Outcome } from './audit.js';
import { RESOURCE_EVENT_TYPES, azureCatalogRow } from './catalog.js';
import { MAX_ID, MAX_RESOURCE_ID } from './limits.js';
import { clip, isObject, issueReason, rejected, withIndex } from '../../core/reasons.js';

const VALIDATION_EVENT_TYPE = 'Microsoft.EventGrid.SubscriptionValidationEvent' satisfies KnownSystemEventTypes;

/** The outcome each Azure Resource Manager event type reports, by its lower-cased name. */
const OUTCOMES = new Map<string, Outcome>(RESOURCE_EVENT_TYPES.map((type) =>
  [type.toLowerCase(), type.endsWith('Success') ? 'succeeded' : 'failed']));

const eventId = z.string().min(1).max(MAX_ID);
const eventTime = z.iso.datetime({ offset: true });

/** An event in the Event Grid schema (https://learn.microsoft.com/azure/event-grid/event-schema). */
export const EventGridEventSchema = z.looseObject({
  id: eventId,
  topic: z.string().optional(),
  subject: z.string().optional(),
  eventType: z.string().min(1),
  eventTime,
  data: z.unknown(),
  dataVersion: z.string().optional(),
  metadataVersion: z.string().optional(),
});
export type EventGridEvent = z.infer<typeof EventGridEventSchema>;

/** An event in the CloudEvents 1.0 schema, as Event Grid delivers it (https://learn.microsoft.com/azure/event-grid/cloud-event-schema). */
export const CloudEventSchema = z.looseObject({
  specversion: z.literal('1.0'),
  id: eventId,
  source: z.string().min(1),
  type: z.string().min(1),
  time: eventTime,
  subject: z.string().optional(),
  data: z.unknown(),
});
export type AzureCloudEvent = z.infer<typeof CloudEventSchema>;

const ValidationDataSchema = z.looseObject({
  validationCode: z.string().min(1).max(MAX_ID),
  validationUrl: z.string().optional(),
}) satisfies z.ZodType<Pick<SubscriptionValidationEventData, 'validationCode'>>;

const OperationKeySchema = z.looseObject({ operationName: z.string().min(1) });

const claims = z.record(z.string(), z.unknown());

/**
 * The data of a Microsoft.Resources.Resource{Write,Delete,Action}{Success,Failure,Cancel} event
 * (https://learn.microsoft.com/azure/event-grid/event-schema-subscriptions): no resource body. `claims`,
 * `authorization` and `httpRequest` may be missing or empty (`evidence: []` is seen), so they stay open.
 */
export const ResourceEventDataSchema = z.looseObject({
  operationName: z.string().min(1),
  resourceUri: z.string().min(1).max(MAX_RESOURCE_ID).optional(),
  subscriptionId: z.string().optional(),
  tenantId: z.string().optional(),
  correlationId: z.string().optional(),
  status: z.string().optional(),
  claims: claims.optional(),
  authorization: z.looseObject({ evidence: z.unknown().optional() }).optional(),
  httpRequest: z.looseObject({ clientIpAddress: z.string().optional() }).optional(),
}) satisfies z.ZodType<Partial<Pick<ResourceWriteSuccessEventData, 'operationName' | 'resourceUri' | 'subscriptionId'>>>;

/** The envelope fields both schemas share. */
interface Envelope {
  where: string;
  id: string;
  type: string;
  time: string;
  subject?: string | undefined;
  data: unknown;
}

function parseResourceEvent(envelope: Envelope, outcome: Outcome): ParsedRecord {
  const { where, id } = envelope;
  const key = OperationKeySchema.safeParse(envelope.data, { reportInput: true });
  if (!key.success) return rejected(issueReason(where, key.error, 'data'));
  const row = azureCatalogRow(key.data.operationName);
  if (!row) return { status: 'ignored', eventId: id, reason: 'unwatched', detail: clip(key.data.operationName, 160) };
  const skipped = notAChange(row, outcome, envelope.type.replace(/^Microsoft\.Resources\./i, ''), id);
  if (skipped) return skipped;

  const parsed = ResourceEventDataSchema.safeParse(envelope.data, { reportInput: true });
  if (!parsed.success) return rejected(issueReason(where, parsed.error, 'data'));
  const data = parsed.data;
  const resourceId = data.resourceUri ?? envelope.subject;
  if (!resourceId) return rejected(`${where}: data.resourceUri missing (and no subject)`);
  return armChanges({
    where, eventId: id, row, resourceId, resourceField: data.resourceUri ? 'data.resourceUri' : 'subject', time: envelope.time,
    actor: armActor({ claims: data.claims, evidence: data.authorization?.evidence, clientIp: data.httpRequest?.clientIpAddress }),
  });
}

function parseEnvelope(envelope: Envelope): ParsedRecord {
  const { where, id, type } = envelope;
  if (type.toLowerCase() === VALIDATION_EVENT_TYPE.toLowerCase()) {
    const data = ValidationDataSchema.safeParse(envelope.data, { reportInput: true });
    if (!data.success) return rejected(issueReason(where, data.error, 'data'));
    const { validationCode } = data.data;
    return { status: 'ignored', eventId: id, reason: 'handshake', validationCode, detail: 'Event Grid subscription validation' };
  }
  const outcome = OUTCOMES.get(type.toLowerCase());
  if (!outcome) return { status: 'ignored', eventId: id, reason: 'unwatched', detail: clip(`Event Grid event type ${type}`, 160) };
  return parseResourceEvent(envelope, outcome);
}

/** One event of a delivery, in either schema: a CloudEvent carries `specversion`. */
function parseEvent(raw: unknown, index?: number): ParsedRecord {
  const at = index === undefined ? '' : ` [${index}]`;
  if (isObject(raw) && 'specversion' in raw) {
    const where = `CloudEvent${at}`;
    const parsed = CloudEventSchema.safeParse(raw, { reportInput: true });
    if (!parsed.success) return rejected(issueReason(where, parsed.error));
    const event = parsed.data;
    return parseEnvelope({ where, id: event.id, type: event.type, time: event.time, subject: event.subject, data: event.data });
  }
  const where = `Event Grid event${at}`;
  const parsed = EventGridEventSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return rejected(issueReason(where, parsed.error));
  const event = parsed.data;
  return parseEnvelope({ where, id: event.id, type: event.eventType, time: event.eventTime, subject: event.subject, data: event.data });
}

/**
 * One Event Grid delivery → one parsed record per event, in order. Event Grid posts a JSON array (a
 * CloudEvents batch too); a single event is accepted as well. A bad member is rejected with its index.
 */
export function parseEventGridDelivery(raw: unknown): ParsedRecord[] {
  if (Array.isArray(raw)) return raw.map((member, index) => withIndex(parseEvent(member, index), index));
  return [parseEvent(raw)];
}

const MICROSOFT = /^microsoft\./i;

/** Is `raw` an Event Grid schema event of an Azure system topic (`eventType` `Microsoft.…`)? */
export function isEventGridEvent(raw: unknown): boolean {
  return isObject(raw) && typeof raw.eventType === 'string' && MICROSOFT.test(raw.eventType) && !('specversion' in raw);
}

/** Is `raw` a CloudEvents 1.0 event of an Azure system topic (`type` `Microsoft.…`)? */
export function isAzureCloudEvent(raw: unknown): boolean {
  return isObject(raw) && typeof raw.specversion === 'string' && typeof raw.type === 'string' && MICROSOFT.test(raw.type);
}

/** Is `raw` an Event Grid delivery: one event of either schema, or an array holding one? */
export function isEventGridDelivery(raw: unknown): boolean {
  const isEvent = (value: unknown): boolean => isEventGridEvent(value) || isAzureCloudEvent(value);
  return isEvent(raw) || (Array.isArray(raw) && raw.some(isEvent));
}

/** Event Grid deliveries of Azure Resource Manager events, in the Event Grid or the CloudEvents 1.0 schema. */
export const eventGridAdapter: CloudAdapter = {
  name: 'azure-event-grid',
  cloud: 'azure',
  matches: isEventGridDelivery,
  parse: parseEventGridDelivery,
};
