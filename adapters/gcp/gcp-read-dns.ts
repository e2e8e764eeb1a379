import type { DNS } from '@google-cloud/dns';
import type { DnsForwarding, DnsRecord, DnsZone } from '../../core/resource.js';
import { dnsName } from './extract-dns.js';
import type { GcpClients } from './gcp-clients.js';
import { readApi, readOrMissing } from './gcp-read-errors.js';
import { nameOfPath, projectOfPath, qualifiedPath } from './resource-path.js';

/**
 * Cloud DNS resources in the snapshot format, through `@google-cloud/dns`
 * (https://cloud.google.com/dns/docs/reference/rest/v1): managed zones with their networks and
 * record sets, and DNS server policies (their alternative name servers are the forwarding targets).
 * The library has no policy methods, so policies go through its authenticated `request`.
 */

interface ApiNetworks { networks?: { networkUrl?: string }[] }
interface ApiZone { name?: string; dnsName?: string; visibility?: string; privateVisibilityConfig?: ApiNetworks }
interface ApiRecordSet { name?: string; type?: string; ttl?: number; rrdatas?: string[] }
interface ApiPolicy extends ApiNetworks { name?: string; alternativeNameServerConfig?: { targetNameServers?: { ipv4Address?: string; ipv6Address?: string }[] } }

function networkPaths(config: ApiNetworks | undefined, project: string): string[] {
  return (config?.networks ?? []).flatMap((n) => (n.networkUrl ? [qualifiedPath(n.networkUrl, project, 'global/networks')] : []));
}

export function recordFromApi(set: ApiRecordSet): DnsRecord {
  return {
    name: dnsName(set.name ?? ''), type: (set.type ?? '').toUpperCase(),
    ...(set.ttl !== undefined ? { ttl: Number(set.ttl) } : {}),
    values: [...(set.rrdatas ?? [])],
  };
}

export function zoneFromApi(zone: ApiZone, records: DnsRecord[], project: string): DnsZone {
  return {
    kind: 'dns-zone', id: `projects/${project}/managedZones/${zone.name ?? ''}`, region: 'global',
    name: dnsName(zone.dnsName ?? ''), private: zone.visibility?.toLowerCase() === 'private',
    networks: networkPaths(zone.privateVisibilityConfig, project),
    records: records.sort((a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type)),
  };
}

export function policyFromApi(policy: ApiPolicy, project: string): DnsForwarding {
  return {
    kind: 'dns-forwarding', id: `projects/${project}/policies/${policy.name ?? ''}`, region: 'global',
    targets: (policy.alternativeNameServerConfig?.targetNameServers ?? []).flatMap((s) => s.ipv4Address ?? s.ipv6Address ?? []),
    networks: networkPaths(policy, project),
  };
}

async function recordsOf(dns: DNS, zone: string): Promise<DnsRecord[]> {
  const [records] = await dns.zone(zone).getRecords({ autoPaginate: true } as never);
  return records.map((record) => recordFromApi((record as unknown as { metadata: ApiRecordSet }).metadata));
}

/** A managed zone with its record sets: `projects/P/managedZones/Z`. */
export async function readDnsZone(clients: GcpClients, id: string): Promise<DnsZone | undefined> {
  const project = projectOfPath(id) ?? '';
  const name = nameOfPath(id);
  const dns = await clients.dns(project);
  const zone = await readOrMissing(id, async () => (await dns.zone(name).get())[0].metadata as ApiZone);
  if (!zone) return undefined;
  const records = await readOrMissing(`${id} record sets`, () => recordsOf(dns, name));
  return records ? zoneFromApi(zone, records, project) : undefined;
}

/** One authenticated GET under the project (`/policies`, `/policies/X`). */
function get<T>(dns: DNS, uri: string, qs: Record<string, string> = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    (dns as unknown as { request(options: object, callback: (error: Error | null, body: T) => void): void })
      .request({ uri, qs }, (error, body) => (error ? reject(error) : resolve(body)));
  });
}

/** A DNS server policy: `projects/P/policies/X`. */
export async function readDnsPolicy(clients: GcpClients, id: string): Promise<DnsForwarding | undefined> {
  const project = projectOfPath(id) ?? '';
  const dns = await clients.dns(project);
  const policy = await readOrMissing(id, () => get<ApiPolicy>(dns, `/policies/${encodeURIComponent(nameOfPath(id))}`));
  return policy ? policyFromApi(policy, project) : undefined;
}

export async function listDnsZones(clients: GcpClients, project: string): Promise<DnsZone[]> {
  const dns = await clients.dns(project);
  return readApi(`managed zones of project ${project}`, async () => {
    const [zones] = await dns.getZones({ autoPaginate: true } as never);
    const found: DnsZone[] = [];
    for (const zone of zones) {
      const metadata = zone.metadata as ApiZone;
      found.push(zoneFromApi(metadata, await recordsOf(dns, metadata.name ?? ''), project));
    }
    return found;
  });
}

export async function listDnsPolicies(clients: GcpClients, project: string): Promise<DnsForwarding[]> {
  const dns = await clients.dns(project);
  return readApi(`DNS policies of project ${project}`, async () => {
    const found: DnsForwarding[] = [];
    let pageToken: string | undefined;
    do {
      const page = await get<{ policies?: ApiPolicy[]; nextPageToken?: string }>(dns, '/policies', pageToken ? { pageToken } : {});
      found.push(...(page.policies ?? []).map((policy) => policyFromApi(policy, project)));
      pageToken = page.nextPageToken;
    } while (pageToken);
    return found;
  });
}
