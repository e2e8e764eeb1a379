import type { CatalogRow } from '../core/catalog.js';
import type { CloudAdapter } from '../core/ports.js';
import { awsAdapters, awsCatalog } from './aws/index.js';
import { azureAdapters, azureCatalog } from './azure/index.js';
import { gcpAdapters, gcpCatalog } from './gcp/index.js';

/** Every delivery format netdrift reads, in the order they are tried. Listed, never self-registered. */
export const allAdapters: readonly CloudAdapter[] = [...awsAdapters, ...azureAdapters, ...gcpAdapters];

/** Every watched operation of every cloud. */
export const allCatalogs: readonly CatalogRow[] = [...awsCatalog, ...azureCatalog, ...gcpCatalog];
