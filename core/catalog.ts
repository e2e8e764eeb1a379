import type { Cloud, ResourceKind } from './resource.js';

/**
 * One watched operation: a row of a cloud adapter's catalog. The same rows generate the
 * infra's event filters, so what is deployed and what is parsed cannot disagree.
 */
export interface CatalogRow {
  cloud: Cloud;
  /** `<service>:<name>`, e.g. `ec2:CreateRoute`, `Microsoft.Network/routeTables/write`, `compute.routes.insert`. */
  operation: string;
  /** The event source as the provider's filter needs it, e.g. `ec2.amazonaws.com`. */
  source: string;
  /** The operation's name as it appears in the event (CloudTrail eventName, ARM operationName, methodName). */
  name: string;
  kind: ResourceKind;
  action: 'create' | 'update' | 'delete';
  /** What the payload tells about the new state: the whole resource, one change, or only that it changed. */
  payload: 'full' | 'delta' | 'none';
  /** Where the affected resource's id is in the payload, for people reading the catalog. */
  ids: string;
}
