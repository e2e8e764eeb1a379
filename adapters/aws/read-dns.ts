import {
  GetHostedZoneCommand, ListResourceRecordSetsCommand, paginateListHostedZones, Route53Client,
  type ListResourceRecordSetsCommandInput, type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import {
  GetResolverRuleCommand, paginateListResolverRuleAssociations, paginateListResolverRules, Route53ResolverClient,
  type ResolverRule, type ResolverRuleAssociation,
} from '@aws-sdk/client-route53resolver';
import type { DnsForwarding, DnsRecord, DnsZone } from '../../core/resource.js';
import { compareText } from '../../snapshots/canonical.js';
import { dnsName } from './extraction.js';
import type { AwsClients } from './read-clients.js';
import { awsCall, awsPages, unlessGone } from './read-errors.js';

/** Route 53 answers for the hosted zones of every region: they are `global` in a snapshot. */
export const DNS_ZONE_REGION = 'global';

/** Only forwarding rules are resources: SYSTEM rules and the built-in `RECURSIVE` rule forward nowhere. */
const FORWARD = 'FORWARD';
const GONE_RULE = new Set(['DELETING', 'FAILED']);
const GONE_ASSOCIATION = new Set(['DELETING', 'FAILED']);
/** Route 53 creates a zone with these at its apex and they cannot be deleted: no event ever names them. */
const APEX_TYPES = new Set(['SOA', 'NS']);

function bareZoneId(id: string): string {
  return id.replace(/^\/?hostedzone\//, '');
}

/**
 * Route 53 returns names with characters outside `a-z0-9-_.` as three-digit octal escapes
 * (`\052` for `*`, https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html);
 * events carry them as written.
 */
export function recordName(name: string): string {
  return dnsName(name.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
}

/**
 * The records of a zone as the snapshot format has them: one per name and type (weighted,
 * latency and failover sets of one name and type are merged: together they are what it answers),
 * less the apex SOA and NS that Route 53 manages.
 */
export function recordsFromSets(zoneName: string, sets: readonly ResourceRecordSet[]): DnsRecord[] {
  const records = new Map<string, DnsRecord>();
  for (const set of sets) {
    if (!set.Name || !set.Type) continue;
    const name = recordName(set.Name);
    if (name === zoneName && APEX_TYPES.has(set.Type)) continue;
    const alias = set.AliasTarget?.DNSName;
    const values = alias === undefined ? (set.ResourceRecords ?? []).flatMap((record) => record.Value ?? []) : [alias];
    // An alias record has no TTL of its own (Route 53 rejects one), whatever an emulator reports.
    const ttl = alias === undefined ? set.TTL : undefined;
    const key = `${name} ${set.Type}`;
    const seen = records.get(key);
    if (seen) {
      seen.values = [...new Set([...seen.values, ...values])];
    } else {
      records.set(key, { name, type: set.Type, ...(ttl === undefined ? {} : { ttl }), values });
    }
  }
  return [...records.values()].sort((a, b) => compareText(a.name, b.name) || compareText(a.type, b.type));
}

/** ListResourceRecordSets pages by the next record's name, type and set identifier (the SDK has no paginator for it). */
async function recordSets(clients: AwsClients, id: string): Promise<ResourceRecordSet[]> {
  const sets: ResourceRecordSet[] = [];
  let input: ListResourceRecordSetsCommandInput = { HostedZoneId: id };
  for (;;) {
    const page = await awsCall('route53:ListResourceRecordSets', id,
      () => clients.route53(Route53Client).send(new ListResourceRecordSetsCommand(input)));
    sets.push(...page.ResourceRecordSets ?? []);
    if (page.IsTruncated !== true || page.NextRecordName === undefined) return sets;
    input = {
      HostedZoneId: id, StartRecordName: page.NextRecordName, StartRecordType: page.NextRecordType,
      ...(page.NextRecordIdentifier === undefined ? {} : { StartRecordIdentifier: page.NextRecordIdentifier }),
    };
  }
}

/** A hosted zone, its VPC associations and records; `id` with or without `/hostedzone/`. */
export async function readDnsZone(clients: AwsClients, id: string): Promise<DnsZone | undefined> {
  const bare = bareZoneId(id);
  const output = await awsCall('route53:GetHostedZone', bare,
    () => clients.route53(Route53Client).send(new GetHostedZoneCommand({ Id: bare })));
  const zone = output.HostedZone;
  if (!zone?.Name) return undefined;
  const name = dnsName(zone.Name);
  return {
    kind: 'dns-zone', id: bareZoneId(zone.Id ?? bare), region: DNS_ZONE_REGION, name,
    private: zone.Config?.PrivateZone === true,
    networks: (output.VPCs ?? []).flatMap((vpc) => vpc.VPCId ?? []).sort(compareText),
    records: recordsFromSets(name, await recordSets(clients, bare)),
  };
}

/** Every hosted zone of the account; one deleted between the list and its read is left out. */
export async function listDnsZones(clients: AwsClients): Promise<DnsZone[]> {
  const zones = await awsPages('route53:ListHostedZones', DNS_ZONE_REGION,
    paginateListHostedZones({ client: clients.route53(Route53Client) }, {}), (page) => page.HostedZones);
  const found: DnsZone[] = [];
  for (const zone of zones) {
    if (!zone.Id) continue;
    const read = await unlessGone(() => readDnsZone(clients, zone.Id ?? ''));
    if (read) found.push(read);
  }
  return found;
}

function isLiveAssociation(association: ResolverRuleAssociation): boolean {
  return association.VPCId !== undefined && !GONE_ASSOCIATION.has(association.Status ?? '');
}

export function dnsForwardingFromRule(
  rule: ResolverRule, associations: readonly ResolverRuleAssociation[], region: string,
): DnsForwarding | undefined {
  if (!rule.Id || rule.RuleType !== FORWARD || GONE_RULE.has(rule.Status ?? '')) return undefined;
  const networks = associations.filter((association) => association.ResolverRuleId === rule.Id && isLiveAssociation(association))
    .flatMap((association) => association.VPCId ?? []);
  return {
    kind: 'dns-forwarding', id: rule.Id, region,
    ...(rule.DomainName ? { domain: dnsName(rule.DomainName) } : {}),
    targets: sorted((rule.TargetIps ?? []).flatMap((target) => target.Ip ?? target.Ipv6 ?? [])),
    networks: sorted([...new Set(networks)]),
  };
}

function sorted(values: string[]): string[] {
  return values.sort(compareText);
}

async function ruleAssociations(clients: AwsClients, region: string, ruleId?: string): Promise<ResolverRuleAssociation[]> {
  const filter = ruleId === undefined ? {} : { Filters: [{ Name: 'ResolverRuleId', Values: [ruleId] }] };
  return awsPages('route53resolver:ListResolverRuleAssociations', ruleId === undefined ? region : `${ruleId} in ${region}`,
    paginateListResolverRuleAssociations({ client: clients.resolver(region, Route53ResolverClient) }, filter), (page) => page.ResolverRuleAssociations);
}

export async function readDnsForwarding(clients: AwsClients, region: string, id: string): Promise<DnsForwarding | undefined> {
  const output = await awsCall('route53resolver:GetResolverRule', `${id} in ${region}`,
    () => clients.resolver(region, Route53ResolverClient).send(new GetResolverRuleCommand({ ResolverRuleId: id })));
  if (!output.ResolverRule || output.ResolverRule.RuleType !== FORWARD) return undefined;
  return dnsForwardingFromRule(output.ResolverRule, await ruleAssociations(clients, region, id), region);
}

/** Every forwarding rule a region's resolver knows (shared ones included), with the VPCs it is associated with. */
export async function listDnsForwarding(clients: AwsClients, region: string): Promise<DnsForwarding[]> {
  const rules = await awsPages('route53resolver:ListResolverRules', region,
    paginateListResolverRules({ client: clients.resolver(region, Route53ResolverClient) }, {}), (page) => page.ResolverRules);
  const forwarding = rules.filter((rule) => rule.RuleType === FORWARD);
  if (forwarding.length === 0) return [];
  const associations = await ruleAssociations(clients, region);
  return forwarding.flatMap((rule) => dnsForwardingFromRule(rule, associations, region) ?? []);
}
