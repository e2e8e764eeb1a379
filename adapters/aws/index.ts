import type { CloudAdapter } from '../../core/ports.js';
import { cloudTrailLogFileAdapter, cloudTrailRecordAdapter, eventBridgeAdapter, sqsAdapter } from './envelopes.js';

export { awsCatalog, awsCatalogRow, awsEventPattern, type AwsEventPattern } from './catalog.js';
export { parseCloudTrailRecord, CloudTrailRecordSchema, type CloudTrailRecord, type RecordContext } from './cloudtrail.js';
export {
  cloudTrailLogFileAdapter, cloudTrailRecordAdapter, eventBridgeAdapter, sqsAdapter,
  isCloudTrailLogFile, isCloudTrailRecord, isEventBridgeEvent, isSqsEvent,
  EventBridgeEventSchema, type EventBridgeEvent,
} from './envelopes.js';
export { routeDestination, routeTargetFromAws, type AwsRouteFields } from './targets.js';

/** Every AWS delivery format, listed explicitly (no registration by import side effect). Their `matches` never overlap. */
export const awsAdapters: readonly CloudAdapter[] = [sqsAdapter, cloudTrailLogFileAdapter, eventBridgeAdapter, cloudTrailRecordAdapter];
