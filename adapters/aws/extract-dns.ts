import type { Delta } from '../../core/change.js';
import { ParseError } from '../../core/errors.js';
import type { DnsForwarding, DnsRecord, DnsZone } from '../../core/resource.js';
import { deleted, dnsName, type ApiCall, type ChangeDraft, type Extractor } from './extraction.js';
import type { PayloadNode } from './payload-reader.js';

/** Route 53 returns `/hostedzone/Z…`; the snapshot format keeps the bare id. */
function hostedZoneId(node: PayloadNode): string {
  return node.requireText().replace(/^\/?hostedzone\//, '');
}

function createHostedZone({ request, response, region }: ApiCall): ChangeDraft[] {
  const zone = response.get('hostedZone');
  const id = hostedZoneId(zone.get('id'));
  const name = dnsName(zone.get('name').text() ?? request.get('name').requireText());
  const isPrivate = request.get('hostedZoneConfig').get('privateZone').bool()
    ?? zone.get('config').get('privateZone').bool()
    ?? request.get('vPC').present();
  const network = request.get('vPC').get('vPCId').text() ?? response.get('vPC').get('vPCId').text();
  const state: DnsZone = { kind: 'dns-zone', id, region, name, private: isPrivate, networks: network ? [network] : [], records: [] };
  return [{ id, payload: { kind: 'full', state } }];
}

/** An alias record answers with its target's name; a plain record with its values. */
function recordOf(set: PayloadNode): DnsRecord {
  const name = dnsName(set.get('name').requireText());
  const type = set.get('type').requireText();
  const ttl = set.get('tTL').number();
  const alias = set.get('aliasTarget').get('dNSName').text();
  const values = alias === undefined
    ? set.get('resourceRecords').list().flatMap((record) => record.get('value').text() ?? [])
    : [alias];
  return { name, type, ...(ttl === undefined ? {} : { ttl }), values };
}

function changeDelta(change: PayloadNode): Delta {
  const action = change.get('action').requireText().toUpperCase();
  const record = recordOf(change.get('resourceRecordSet'));
  if (action === 'DELETE') return { op: 'remove-item', field: 'records', match: { name: record.name, type: record.type } };
  if (action === 'CREATE' || action === 'UPSERT') return { op: 'put-item', field: 'records', key: ['name', 'type'], item: record };
  throw new ParseError(`${change.path}.action: expected CREATE, UPSERT or DELETE`);
}

function changeResourceRecordSets({ request }: ApiCall): ChangeDraft[] {
  const changes = request.get('changeBatch').get('changes');
  const list = changes.list();
  if (list.length === 0) throw new ParseError(`${changes.path} missing`);
  return [{ id: hostedZoneId(request.get('hostedZoneId')), payload: { kind: 'delta', deltas: list.map(changeDelta) } }];
}

function zoneNetworks(op: 'add' | 'remove'): Extractor {
  return ({ request }) => [{
    id: hostedZoneId(request.get('hostedZoneId')),
    payload: { kind: 'delta', deltas: [{ op, field: 'networks', values: [request.get('vPC').get('vPCId').requireText()] }] },
  }];
}

function targetsOf(list: PayloadNode): string[] {
  return list.list().flatMap((target) => target.get('ip').text() ?? target.get('ipv6').text() ?? []);
}

function createResolverRule({ request, response, region }: ApiCall): ChangeDraft[] {
  const rule = response.get('resolverRule');
  const id = rule.get('id').requireText();
  const domain = rule.get('domainName').text() ?? request.get('domainName').text();
  const targets = targetsOf(rule.get('targetIps').present() ? rule.get('targetIps') : request.get('targetIps'));
  const state: DnsForwarding = {
    kind: 'dns-forwarding', id, region, ...(domain ? { domain: dnsName(domain) } : {}), targets, networks: [],
  };
  return [{ id, payload: { kind: 'full', state } }];
}

/** `ResolverRuleConfig` may change the targets; a domain is set only if the config carries one. */
function updateResolverRule({ request }: ApiCall): ChangeDraft[] {
  const config = request.get('config');
  const domain = config.get('domainName').text();
  const deltas: Delta[] = [
    ...(config.get('targetIps').present() ? [{ op: 'set', field: 'targets', value: targetsOf(config.get('targetIps')) } as const] : []),
    ...(domain ? [{ op: 'set', field: 'domain', value: dnsName(domain) } as const] : []),
  ];
  return [{ id: request.get('resolverRuleId').requireText(), payload: { kind: 'delta', deltas } }];
}

function ruleNetworks(op: 'add' | 'remove'): Extractor {
  return ({ request }) => [{
    id: request.get('resolverRuleId').requireText(),
    payload: { kind: 'delta', deltas: [{ op, field: 'networks', values: [request.get('vPCId').requireText()] }] },
  }];
}

/** Route 53 hosted zones and records, and Route 53 Resolver forwarding rules. */
export const dnsExtractors: Readonly<Record<string, Extractor>> = {
  'route53:CreateHostedZone': createHostedZone,
  'route53:DeleteHostedZone': ({ request }) => [deleted(hostedZoneId(request.get('id')))],
  'route53:ChangeResourceRecordSets': changeResourceRecordSets,
  'route53:AssociateVPCWithHostedZone': zoneNetworks('add'),
  'route53:DisassociateVPCFromHostedZone': zoneNetworks('remove'),
  'route53resolver:CreateResolverRule': createResolverRule,
  'route53resolver:UpdateResolverRule': updateResolverRule,
  'route53resolver:AssociateResolverRule': ruleNetworks('add'),
  'route53resolver:DisassociateResolverRule': ruleNetworks('remove'),
  'route53resolver:DeleteResolverRule': ({ request }) => [deleted(request.get('resolverRuleId').requireText())],
};
