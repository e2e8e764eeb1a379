import type { CatalogRow } from '../core/catalog.js';
import type { CloudAdapter } from '../core/ports.js';
import type { Cloud } from '../core/resource.js';
import { awsAdapters, awsCatalog, awsEventPattern } from './aws/index.js';
import { azureAdapters, azureCatalog, azureEventGridFilter } from './azure/index.js';
import { gcpAdapters, gcpCatalog, gcpLogFilter } from './gcp/index.js';

/** Every delivery format netdrift reads, in the order they are tried. Listed, never self-registered. */
export const allAdapters: readonly CloudAdapter[] = [...awsAdapters, ...azureAdapters, ...gcpAdapters];

/** Every watched operation of every cloud. */
export const allCatalogs: readonly CatalogRow[] = [...awsCatalog, ...azureCatalog, ...gcpCatalog];

/**
 * The event filter each cloud's delivery is set up with, generated from its catalog so that what
 * is deployed and what is parsed cannot disagree: the EventBridge rule's event pattern, the Event
 * Grid subscriptions' advanced filters (25 values each, so possibly several), the Log Router sink's filter.
 */
export const deliveryFilters: { readonly [C in Cloud]: () => unknown } = {
  aws: () => awsEventPattern(),
  azure: () => azureEventGridFilter(),
  gcp: () => gcpLogFilter(),
};
