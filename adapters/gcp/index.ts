import type { CloudAdapter } from '../../core/ports.js';
import { eventarcAdapter, logEntryAdapter, pubsubPullAdapter, pubsubPushAdapter } from './envelopes.js';

export { ACTIVITY_LOG, gcpCatalog, gcpCatalogRow, gcpLogFilter, normalizeMethod } from './catalog.js';
export {
  eventarcAdapter, logEntryAdapter, pubsubPullAdapter, pubsubPushAdapter,
  isEventarcEvent, isLogEntry, isPubsubPulledMessage, isPubsubPushEnvelope,
  AUDIT_LOG_WRITTEN, MESSAGE_PUBLISHED, CloudEventSchema, PubsubPushEnvelopeSchema,
} from './envelopes.js';
export { AUDIT_LOG_TYPE, LogEntrySchema, parseLogEntry, type LogEntry } from './log-entry.js';
export { PubsubMessageSchema, parsePubsubMessage, type PubsubMessage } from './pubsub-message.js';
export { gcpResourcePath, qualifiedPath } from './resource-path.js';
export { routeTargetFromGcp, type GcpNextHop } from './route-targets.js';
export { isPrivateServiceConnectTarget } from './extract-endpoints.js';

/** Every GCP delivery format, listed explicitly (no registration by import side effect). Their `matches` never overlap. */
export const gcpAdapters: readonly CloudAdapter[] = [pubsubPushAdapter, pubsubPullAdapter, eventarcAdapter, logEntryAdapter];
