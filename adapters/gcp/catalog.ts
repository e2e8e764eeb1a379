import type { CatalogRow } from '../../core/catalog.js';

const COMPUTE = 'compute.googleapis.com';
const DNS = 'dns.googleapis.com';

/** The Admin Activity audit log: writes are logged there, reads only in Data Access logs. */
export const ACTIVITY_LOG = 'cloudaudit.googleapis.com%2Factivity';

/**
 * Compute logs the API version a call went through in front of its method
 * (`v1.compute.routes.insert`, `beta.compute.routers.insert`); some entries carry none.
 * https://cloud.google.com/compute/docs/logging/audit-logging#audited_operations
 */
const COMPUTE_VERSIONS = ['v1', 'beta', 'alpha'] as const;
const VERSION_PREFIX = /^(?:v\d+(?:(?:alpha|beta)\d*)?|beta|alpha)\./;

/** `v1.compute.routes.insert` → `compute.routes.insert`: the method as the catalog names it. */
export function normalizeMethod(methodName: string): string {
  return methodName.trim().replace(VERSION_PREFIX, '');
}

function row(
  source: string, name: string, kind: CatalogRow['kind'], action: CatalogRow['action'],
  payload: CatalogRow['payload'], ids: string,
): CatalogRow {
  return { cloud: 'gcp', operation: name, source, name, kind, action, payload, ids };
}

/**
 * The GCP methods netdrift watches (DESIGN.md, "The catalog"), by their methodName without the
 * API version. Each router NAT config is one `nat-gateway`; forwarding rules are watched only
 * as Private Service Connect endpoints.
 */
export const gcpCatalog: readonly CatalogRow[] = [
  row(COMPUTE, 'compute.routes.insert', 'route-table', 'update', 'delta', 'protoPayload.request.network'),
  row(COMPUTE, 'compute.routes.delete', 'route-table', 'update', 'delta', 'protoPayload.resourceName (the route; its network is located)'),
  row(COMPUTE, 'compute.routers.insert', 'nat-gateway', 'create', 'full', 'protoPayload.resourceName + request.nats[].name'),
  row(COMPUTE, 'compute.routers.patch', 'nat-gateway', 'update', 'full', 'protoPayload.resourceName + request.nats[].name'),
  row(COMPUTE, 'compute.routers.update', 'nat-gateway', 'update', 'full', 'protoPayload.resourceName + request.nats[].name'),
  row(COMPUTE, 'compute.routers.delete', 'nat-gateway', 'delete', 'none', 'protoPayload.resourceName (each NAT of the router)'),
  row(COMPUTE, 'compute.forwardingRules.insert', 'private-endpoint', 'create', 'full', 'protoPayload.resourceName'),
  row(COMPUTE, 'compute.forwardingRules.delete', 'private-endpoint', 'delete', 'none', 'protoPayload.resourceName'),
  row(COMPUTE, 'compute.globalForwardingRules.insert', 'private-endpoint', 'create', 'full', 'protoPayload.resourceName'),
  row(COMPUTE, 'compute.globalForwardingRules.delete', 'private-endpoint', 'delete', 'none', 'protoPayload.resourceName'),
  row(COMPUTE, 'compute.networks.addPeering', 'peering', 'create', 'full', 'protoPayload.resourceName + request.networkPeering.name'),
  row(COMPUTE, 'compute.networks.removePeering', 'peering', 'delete', 'none', 'protoPayload.resourceName + request.name'),
  row(COMPUTE, 'compute.subnetworks.patch', 'subnet', 'update', 'delta', 'protoPayload.resourceName'),
  row(COMPUTE, 'compute.subnetworks.setPrivateIpGoogleAccess', 'subnet', 'update', 'delta', 'protoPayload.resourceName'),
  row(DNS, 'dns.managedZones.create', 'dns-zone', 'create', 'full', 'resource.labels.project_id + protoPayload.resourceName'),
  row(DNS, 'dns.managedZones.patch', 'dns-zone', 'update', 'delta', 'resource.labels.project_id + protoPayload.resourceName'),
  row(DNS, 'dns.managedZones.update', 'dns-zone', 'update', 'delta', 'resource.labels.project_id + protoPayload.resourceName'),
  row(DNS, 'dns.managedZones.delete', 'dns-zone', 'delete', 'none', 'resource.labels.project_id + protoPayload.resourceName'),
  row(DNS, 'dns.changes.create', 'dns-zone', 'update', 'delta', 'resource.labels.project_id + protoPayload.resourceName'),
  row(DNS, 'dns.policies.create', 'dns-forwarding', 'create', 'full', 'resource.labels.project_id + protoPayload.resourceName'),
  row(DNS, 'dns.policies.patch', 'dns-forwarding', 'update', 'delta', 'resource.labels.project_id + protoPayload.resourceName'),
  row(DNS, 'dns.policies.update', 'dns-forwarding', 'update', 'full', 'resource.labels.project_id + protoPayload.resourceName'),
  row(DNS, 'dns.policies.delete', 'dns-forwarding', 'delete', 'none', 'resource.labels.project_id + protoPayload.resourceName'),
];

const rowsByMethod = new Map(gcpCatalog.map((entry) => [entry.name, entry]));

/** The catalog row of an audit log `methodName`, with or without its API version; undefined if unwatched. */
export function gcpCatalogRow(methodName: string): CatalogRow | undefined {
  return rowsByMethod.get(normalizeMethod(methodName));
}

/** Every spelling a catalog method has in audit logs: compute's with each API version, and bare. */
export function methodSpellings(entry: CatalogRow): string[] {
  if (entry.source !== COMPUTE) return [entry.name];
  return [entry.name, ...COMPUTE_VERSIONS.map((version) => `${version}.${entry.name}`)];
}

/**
 * The Log Router sink filter that exports every catalog method from the Admin Activity log
 * (https://cloud.google.com/logging/docs/view/logging-query-language), generated from the catalog
 * so what is deployed and what is parsed cannot disagree. `=` compares whole values, so each
 * API-version spelling is listed.
 */
export function gcpLogFilter(catalog: readonly CatalogRow[] = gcpCatalog): string {
  const methods = [...new Set(catalog.flatMap(methodSpellings))].sort();
  return `logName:"${ACTIVITY_LOG}" AND protoPayload.methodName=(${methods.map((m) => `"${m}"`).join(' OR ')})`;
}
