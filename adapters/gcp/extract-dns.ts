import { z } from 'zod';
import type { Delta } from '../../core/change.js';
import type { DnsForwarding, DnsRecord, DnsZone } from '../../core/resource.js';
import {
  fromRequest, Integer, NetworkUrls, OptionalText, readRequest, resourcePath, touched,
  type AuditCall, type ChangeDraft, type MethodExtractor,
} from './extraction.js';
import { nameOfPath, qualifiedPath } from './resource-path.js';

/** Cloud DNS zones and policies are global; audit logs name them without their project (`managedZones/Z`). */
const GLOBAL = 'global';
const ZONE = /^(?:projects\/[^/]+\/)?managedZones\/[^/]+$/;
const POLICY = /^(?:projects\/[^/]+\/)?policies\/[^/]+$/;

const ManagedZone = z.looseObject({
  dnsName: OptionalText,
  visibility: OptionalText,
  privateVisibilityConfig: z.looseObject({ networks: NetworkUrls.optional() }).optional(),
});

/**
 * Audit logs record the internal `cloud.dns.api` request: `managedZone` is the zone on create
 * and its name on patch/update, where the zone is `managedZoneResource`; record sets carry
 * `rrdata` where the REST API says `rrdatas` (the corpus's dns.changes.create sample).
 */
const ZoneCreateRequest = z.looseObject({ managedZone: ManagedZone.extend({ dnsName: z.string().min(1) }) });
const ZoneWriteRequest = z.looseObject({
  managedZoneResource: ManagedZone.optional(),
  managedZone: z.union([z.string(), ManagedZone]).optional(),
});

const RecordSet = z.looseObject({
  name: z.string().min(1),
  type: z.string().min(1),
  ttl: Integer.optional(),
  rrdatas: z.array(z.string()).optional(),
  rrdata: z.array(z.string()).optional(),
});
const ChangesRequest = z.looseObject({
  change: z.looseObject({ additions: z.array(RecordSet).optional(), deletions: z.array(RecordSet).optional() }),
});

const Policy = z.looseObject({
  alternativeNameServerConfig: z.looseObject({
    targetNameServers: z.array(z.looseObject({ ipv4Address: OptionalText, ipv6Address: OptionalText })).optional(),
  }).optional(),
  networks: NetworkUrls.optional(),
});
const PolicyCreateRequest = z.looseObject({ policy: Policy });
const PolicyWriteRequest = z.looseObject({ policyResource: Policy.optional(), policy: z.union([z.string(), Policy]).optional() });

/** A DNS name as the snapshot format spells it: lower-case, with the trailing dot. */
export function dnsName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

function zoneId(call: AuditCall): string {
  return `projects/${call.project}/managedZones/${nameOfPath(resourcePath(call, ZONE, 'managedZones/NAME'))}`;
}

function policyId(call: AuditCall): string {
  return `projects/${call.project}/policies/${nameOfPath(resourcePath(call, POLICY, 'policies/NAME'))}`;
}

function networkPaths(networks: z.output<typeof NetworkUrls> | undefined, project: string): string[] {
  return (networks ?? []).map((network) => qualifiedPath(network.networkUrl, project, 'global/networks'));
}

/** The zone or policy of a patch/update request: `…Resource`, or the named field when it holds the object, not the name. */
function written<T extends object>(resource: T | undefined, named: T | string | undefined): Partial<T> {
  return resource ?? (typeof named === 'object' ? named : {});
}

function createZone(call: AuditCall): ChangeDraft[] {
  const { managedZone } = readRequest(ZoneCreateRequest, call);
  const id = zoneId(call);
  const state: DnsZone = {
    kind: 'dns-zone', id, region: GLOBAL, name: dnsName(managedZone.dnsName),
    private: managedZone.visibility?.toLowerCase() === 'private',
    networks: networkPaths(managedZone.privateVisibilityConfig?.networks, call.project),
    records: [],
  };
  return [{ id, region: GLOBAL, payload: { kind: 'full', state } }];
}

function writeZone(call: AuditCall): ChangeDraft[] {
  const request = readRequest(ZoneWriteRequest, call);
  const zone = written(request.managedZoneResource, request.managedZone);
  const deltas: Delta[] = [];
  if (zone.visibility !== undefined) deltas.push({ op: 'set', field: 'private', value: zone.visibility.toLowerCase() === 'private' });
  if (zone.privateVisibilityConfig !== undefined) {
    deltas.push({ op: 'set', field: 'networks', value: networkPaths(zone.privateVisibilityConfig.networks, call.project) });
  }
  return [{ id: zoneId(call), region: GLOBAL, payload: { kind: 'delta', deltas } }];
}

function zoneUnwatched(method: string) {
  return (request: Record<string, unknown>): string | undefined => {
    const zone = request.managedZoneResource ?? request.managedZone;
    const fields = typeof zone === 'object' && zone !== null ? zone : {};
    return 'visibility' in fields || 'privateVisibilityConfig' in fields
      ? undefined : `${method} without visibility or privateVisibilityConfig`;
  };
}

function recordOf(set: z.output<typeof RecordSet>): DnsRecord {
  return {
    name: dnsName(set.name), type: set.type.toUpperCase(),
    ...(set.ttl !== undefined ? { ttl: set.ttl } : {}),
    values: set.rrdatas ?? set.rrdata ?? [],
  };
}

/** Deletions first, then additions: an addition that replaces a deleted record set is put after its removal. */
function changeRecords(call: AuditCall): ChangeDraft[] {
  const { change } = readRequest(ChangesRequest, call);
  const deltas: Delta[] = [
    ...(change.deletions ?? []).map((set): Delta => {
      const record = recordOf(set);
      return { op: 'remove-item', field: 'records', match: { name: record.name, type: record.type } };
    }),
    ...(change.additions ?? []).map((set): Delta => ({ op: 'put-item', field: 'records', key: ['name', 'type'], item: recordOf(set) })),
  ];
  return [{ id: zoneId(call), region: GLOBAL, payload: { kind: 'delta', deltas } }];
}

function targetsOf(policy: Partial<z.output<typeof Policy>>): string[] {
  return (policy.alternativeNameServerConfig?.targetNameServers ?? []).flatMap((server) => server.ipv4Address ?? server.ipv6Address ?? []);
}

function fullPolicy(call: AuditCall, policy: Partial<z.output<typeof Policy>>): ChangeDraft[] {
  const id = policyId(call);
  const state: DnsForwarding = {
    kind: 'dns-forwarding', id, region: GLOBAL, targets: targetsOf(policy), networks: networkPaths(policy.networks, call.project),
  };
  return [{ id, region: GLOBAL, payload: { kind: 'full', state } }];
}

function patchPolicy(call: AuditCall): ChangeDraft[] {
  const request = readRequest(PolicyWriteRequest, call);
  const policy = written(request.policyResource, request.policy);
  const deltas: Delta[] = [];
  if (policy.alternativeNameServerConfig !== undefined) deltas.push({ op: 'set', field: 'targets', value: targetsOf(policy) });
  if (policy.networks !== undefined) deltas.push({ op: 'set', field: 'networks', value: networkPaths(policy.networks, call.project) });
  return [{ id: policyId(call), region: GLOBAL, payload: { kind: 'delta', deltas } }];
}

function policyUnwatched(request: Record<string, unknown>): string | undefined {
  const policy = request.policyResource ?? request.policy;
  const fields = typeof policy === 'object' && policy !== null ? policy : {};
  return 'alternativeNameServerConfig' in fields || 'networks' in fields
    ? undefined : 'dns.policies.patch without alternativeNameServerConfig or networks';
}

const zoneTouched = (call: AuditCall): ChangeDraft[] => [touched(zoneId(call), GLOBAL)];
const policyTouched = (call: AuditCall): ChangeDraft[] => [touched(policyId(call), GLOBAL)];

/** Cloud DNS managed zones, their record sets, and DNS server policies (outbound forwarding). Calls are synchronous. */
export const dnsExtractors: Readonly<Record<string, MethodExtractor>> = {
  'dns.managedZones.create': fromRequest(createZone, zoneTouched),
  'dns.managedZones.patch': fromRequest(writeZone, zoneTouched, zoneUnwatched('dns.managedZones.patch')),
  'dns.managedZones.update': fromRequest(writeZone, zoneTouched, zoneUnwatched('dns.managedZones.update')),
  'dns.managedZones.delete': { extract: zoneTouched, affected: zoneTouched },
  'dns.changes.create': fromRequest(changeRecords, zoneTouched),
  'dns.policies.create': fromRequest((call) => fullPolicy(call, readRequest(PolicyCreateRequest, call).policy), policyTouched),
  'dns.policies.patch': fromRequest(patchPolicy, policyTouched, policyUnwatched),
  'dns.policies.update': fromRequest((call) => {
    const request = readRequest(PolicyWriteRequest, call);
    return fullPolicy(call, written(request.policyResource, request.policy));
  }, policyTouched),
  'dns.policies.delete': { extract: policyTouched, affected: policyTouched },
};
