import type { CloudAdapter } from '../../core/ports.js';
import { activityLogExportAdapter, activityLogRecordAdapter } from './activity-log.js';
import { eventGridAdapter } from './event-grid.js';

export {
  azureCatalog, azureCatalogRow, azureEventGridFilter, azureWatchedTypes, watchedArmType,
  MAX_FILTER_VALUES, RESOURCE_EVENT_TYPES, SUBNET_HOLDER_KINDS,
  type AzureEventGridFilter, type ReportedOn, type WatchedArmType,
} from './catalog.js';
export { armParentId, parseArmId, type ArmId } from './arm-id.js';
export { armActor, type ActorSources } from './audit.js';
export {
  eventGridAdapter, parseEventGridDelivery, isEventGridDelivery, isEventGridEvent, isAzureCloudEvent,
  EventGridEventSchema, CloudEventSchema, ResourceEventDataSchema, type EventGridEvent, type AzureCloudEvent,
} from './event-grid.js';
export {
  activityLogExportAdapter, activityLogRecordAdapter, parseActivityLogExport, parseActivityLogRecord,
  isActivityLogExport, isActivityLogRecord, ActivityLogRecordSchema, ActivityLogEventSchema,
} from './activity-log.js';

/** Every Azure delivery format, listed explicitly (no registration by import side effect). Their `matches` never overlap. */
export const azureAdapters: readonly CloudAdapter[] = [eventGridAdapter, activityLogExportAdapter, activityLogRecordAdapter];
