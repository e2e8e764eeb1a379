import type { DnsForwardingRuleset, DnsResolver, ForwardingRule } from '@azure/arm-dnsresolver';
import type { PrivateZone, RecordSet } from '@azure/arm-privatedns';
import type { DnsForwarding, DnsRecord, DnsZone } from '../../core/resource.js';
import { compareText } from '../../snapshots/canonical.js';
import { armPathOf, CAPTURE_CONCURRENCY, mapLimited, type ArmClients } from './arm-clients.js';
import { armCall, armPages, unlessGone } from './arm-errors.js';

const fqdn = (name: string) => (name.endsWith('.') ? name : `${name}.`);
const sorted = (values: string[]) => values.sort(compareText);

/** The values of one record set, one string per record (`10 mail.example.` for MX, `0 5 5060 sip.example.` for SRV). */
function recordValues(set: RecordSet): string[] {
  return [
    ...(set.aRecords ?? []).flatMap((r) => r.ipv4Address ?? []),
    ...(set.aaaaRecords ?? []).flatMap((r) => r.ipv6Address ?? []),
    ...(set.cnameRecord?.cname ? [set.cnameRecord.cname] : []),
    ...(set.mxRecords ?? []).map((r) => `${r.preference ?? 0} ${r.exchange ?? ''}`),
    ...(set.ptrRecords ?? []).flatMap((r) => r.ptrdname ?? []),
    ...(set.srvRecords ?? []).map((r) => `${r.priority ?? 0} ${r.weight ?? 0} ${r.port ?? 0} ${r.target ?? ''}`),
    ...(set.txtRecords ?? []).map((r) => (r.value ?? []).join('')),
  ];
}

/**
 * A record set as a snapshot record: named by its FQDN with the trailing dot. The zone's SOA (its serial moves on
 * every change) and records the zone registered itself for VMs (`isAutoRegistered`) are not configuration: left out.
 */
export function recordFromArm(set: RecordSet, zoneName: string): DnsRecord | undefined {
  const type = (set.type ?? '').split('/').pop()?.toUpperCase() ?? '';
  if (!type || type === 'SOA' || set.isAutoRegistered) return undefined;
  const name = set.fqdn ?? (set.name === '@' || !set.name ? zoneName : `${set.name}.${zoneName}`);
  return { name: fqdn(name), type, ...(set.ttl === undefined ? {} : { ttl: set.ttl }), values: sorted(recordValues(set)) };
}

/** A private DNS zone with the VNets it is linked to (`networks`) and its record sets. */
export function dnsZoneFromArm(zone: PrivateZone, networks: readonly string[], sets: readonly RecordSet[]): DnsZone {
  const name = zone.name ?? '';
  const records = sets.flatMap((set) => recordFromArm(set, name) ?? [])
    .sort((a, b) => compareText(`${a.name} ${a.type}`, `${b.name} ${b.type}`));
  return { kind: 'dns-zone', id: zone.id ?? '', region: 'global', name: fqdn(name), private: true, networks: sorted([...networks]), records };
}

/**
 * A DNS forwarding ruleset as one `dns-forwarding` resource: `targets` are the DNS servers its enabled rules forward
 * to, `domain` the domains they forward (comma-separated when several, so a rule added or renamed is a change), and
 * `rules` keeps each rule as ARM has it, disabled ones included.
 */
export function forwardingFromRuleset(ruleset: DnsForwardingRuleset, rules: readonly ForwardingRule[], networks: readonly string[]): DnsForwarding {
  const enabled = rules.filter((rule) => (rule.forwardingRuleState ?? 'Enabled').toLowerCase() === 'enabled');
  const domains = [...new Set(enabled.map((rule) => fqdn(rule.domainName.toLowerCase())))].sort(compareText);
  const targets = [...new Set(enabled.flatMap((rule) => rule.targetDnsServers.map((server) => server.ipAddress ?? '')))].filter(Boolean);
  return {
    kind: 'dns-forwarding', id: ruleset.id ?? '', region: ruleset.location,
    ...(domains.length > 0 ? { domain: domains.join(', ') } : {}),
    targets: sorted(targets), networks: sorted([...networks]),
    rules: rules.map((rule) => ({
      name: rule.name ?? '', domain: rule.domainName, state: rule.forwardingRuleState ?? 'Enabled',
      targets: rule.targetDnsServers.map((server) => `${server.ipAddress ?? ''}:${server.port ?? 53}`),
    })).sort((a, b) => compareText(a.name, b.name)),
  };
}

/** A DNS private resolver as one `dns-forwarding` resource: the VNet it serves, its outbound endpoints kept. */
export function forwardingFromResolver(resolver: DnsResolver, outboundEndpoints: readonly string[]): DnsForwarding {
  return {
    kind: 'dns-forwarding', id: resolver.id ?? '', region: resolver.location,
    targets: [], networks: resolver.virtualNetwork.id ? [resolver.virtualNetwork.id] : [],
    outboundEndpoints: sorted([...outboundEndpoints]),
  };
}

export async function readDnsZone(clients: ArmClients, id: string): Promise<DnsZone | undefined> {
  const path = armPathOf(id);
  const client = await clients.privateDnsClient(path.subscription);
  const [group, name] = [path.resourceGroup, path.names[0] ?? ''];
  const zone = await unlessGone(() => armCall('GET private DNS zone', id, path.subscription, () => client.privateZones.get(group, name)));
  return zone && zoneWithParts(clients, zone);
}

async function zoneWithParts(clients: ArmClients, zone: PrivateZone): Promise<DnsZone | undefined> {
  const id = zone.id ?? '';
  const path = armPathOf(id);
  const client = await clients.privateDnsClient(path.subscription);
  const [group, name] = [path.resourceGroup, path.names[0] ?? ''];
  const parts = await unlessGone(() => Promise.all([
    armPages('list virtual network links of', id, path.subscription, () => client.virtualNetworkLinks.list(group, name)),
    armPages('list record sets of', id, path.subscription, () => client.recordSets.list(group, name)),
  ]));
  if (!parts) return undefined;
  const [links, sets] = parts;
  return dnsZoneFromArm(zone, links.flatMap((link) => link.virtualNetwork?.id ?? []), sets);
}

export async function readDnsForwarding(clients: ArmClients, id: string): Promise<DnsForwarding | undefined> {
  const path = armPathOf(id);
  const client = await clients.resolverClient(path.subscription);
  const [group, name] = [path.resourceGroup, path.names[0] ?? ''];
  if (/\/dnsResolvers\//i.test(id)) {
    const resolver = await unlessGone(() => armCall('GET DNS resolver', id, path.subscription, () => client.dnsResolvers.get(group, name)));
    return resolver && resolverWithParts(clients, resolver);
  }
  const ruleset = await unlessGone(() => armCall('GET DNS forwarding ruleset', id, path.subscription, () => client.dnsForwardingRulesets.get(group, name)));
  return ruleset && rulesetWithParts(clients, ruleset);
}

async function rulesetWithParts(clients: ArmClients, ruleset: DnsForwardingRuleset): Promise<DnsForwarding | undefined> {
  const id = ruleset.id ?? '';
  const path = armPathOf(id);
  const client = await clients.resolverClient(path.subscription);
  const [group, name] = [path.resourceGroup, path.names[0] ?? ''];
  const parts = await unlessGone(() => Promise.all([
    armPages('list forwarding rules of', id, path.subscription, () => client.forwardingRules.list(group, name)),
    armPages('list virtual network links of', id, path.subscription, () => client.virtualNetworkLinks.list(group, name)),
  ]));
  if (!parts) return undefined;
  const [rules, links] = parts;
  return forwardingFromRuleset(ruleset, rules, links.flatMap((link) => link.virtualNetwork?.id ?? []));
}

async function resolverWithParts(clients: ArmClients, resolver: DnsResolver): Promise<DnsForwarding | undefined> {
  const id = resolver.id ?? '';
  const path = armPathOf(id);
  const client = await clients.resolverClient(path.subscription);
  const endpoints = await unlessGone(() => armPages('list outbound endpoints of', id, path.subscription,
    () => client.outboundEndpoints.list(path.resourceGroup, path.names[0] ?? '')));
  return endpoints && forwardingFromResolver(resolver, endpoints.flatMap((endpoint) => endpoint.id ?? []));
}

export async function listDnsZones(clients: ArmClients, subscription: string): Promise<DnsZone[]> {
  const client = await clients.privateDnsClient(subscription);
  const zones = await armPages('list private DNS zones', `/subscriptions/${subscription}`, subscription, () => client.privateZones.list());
  return (await mapLimited(zones, CAPTURE_CONCURRENCY, (zone) => zoneWithParts(clients, zone))).flatMap((zone) => zone ?? []);
}

export async function listDnsForwarding(clients: ArmClients, subscription: string): Promise<DnsForwarding[]> {
  const client = await clients.resolverClient(subscription);
  const where = `/subscriptions/${subscription}`;
  const [rulesets, resolvers] = await Promise.all([
    armPages('list DNS forwarding rulesets', where, subscription, () => client.dnsForwardingRulesets.list()),
    armPages('list DNS resolvers', where, subscription, () => client.dnsResolvers.list()),
  ]);
  const found = [
    ...await mapLimited(rulesets, CAPTURE_CONCURRENCY, (ruleset) => rulesetWithParts(clients, ruleset)),
    ...await mapLimited(resolvers, CAPTURE_CONCURRENCY, (resolver) => resolverWithParts(clients, resolver)),
  ];
  return found.flatMap((forwarding) => forwarding ?? []);
}
