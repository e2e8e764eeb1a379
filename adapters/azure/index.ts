import type { CloudAdapter } from '../../core/ports.js';
import { activityLogExportAdapter, activityLogRecordAdapter } from './activity-log.js';
import { AzureStateReader, type AzureStateReaderOptions } from './arm-state-reader.js';
import { eventGridAdapter } from './event-grid.js';

export {
  azureCatalog, azureCatalogRow, azureEventGridFilter, azureWatchedTypes, watchedArmType,
  MAX_FILTER_VALUES, RESOURCE_EVENT_TYPES, SUBNET_HOLDER_KINDS,
  type AzureEventGridFilter, type ReportedOn, type WatchedArmType,
} from './catalog.js';
export { armParentId, parseArmId, type ArmId } from './arm-id.js';
export { BlobSnapshotStore, type BlobSnapshotStoreOptions } from './blob-snapshot-store.js';
export { TableStateStore, type TableStateStoreOptions } from './table-state-store.js';
export { openBlobSnapshotStore, openTableStateStore, type StorageAccess } from './storage-clients.js';
export { armActor, type ActorSources } from './audit.js';
export { AzureStateReader, CAPTURE_STEPS, type AzureStateReaderOptions, type ArmClientOptions } from './arm-state-reader.js';
export { armClientOptionsFromEnv } from './arm-clients.js';
export {
  captureWithResourceGraph, WATCHED_RESOURCES_QUERY,
  type GraphCaptureOptions, type GraphCaptureResult, type GraphCaptureScope,
} from './resource-graph-capture.js';
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

/**
 * The Azure StateReader (`serve`, the Azure functions, `snapshot capture --cloud azure`): live reads through ARM
 * with `DefaultAzureCredential` (the managed identity; `AZURE_CLIENT_ID` for a user-assigned one). The ARM SDK
 * packages load on the first read, not here.
 */
export function azureStateReader(options: AzureStateReaderOptions = {}): AzureStateReader {
  return new AzureStateReader(options);
}
