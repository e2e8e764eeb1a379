import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awsAdapters } from '../../../adapters/aws/index.js';
import { corpusAvailable, corpusCases, corpusFiles, readCorpusDocument } from '../../support/corpus.js';

/** What one real published sample must yield: the adapter that takes it, and each parsed record. */
interface Expectation {
  adapter: string;
  records: Record<string, unknown>[];
}

const RECORD = 'aws-cloudtrail-record';
const unwatched = (eventId: string, detail: string) => ({ status: 'ignored', eventId, reason: 'unwatched', detail });
const failed = (detail: string) => ({ status: 'ignored', eventId: '1', reason: 'failed-call', detail });
const changes = (eventId: string, ...events: Record<string, unknown>[]) => ({ status: 'changes', eventId, changes: events });
const zone = (account: string, id: string, operation: string) =>
  ({ cloud: 'aws', account, region: 'global', kind: 'dns-zone', id, operation, action: 'update' });
const recordPut = (name: string, values: string[], ttl: number) =>
  ({ op: 'put-item', field: 'records', key: ['name', 'type'], item: { name, type: 'A', ttl, values } });
const AWSDOCS_RECORDS = ['192.0.1.1', '192.0.1.2', '192.0.1.3', '192.0.1.4'];
const changeRecordSets = changes('883b14d9-2f84-4005-8bc5-c7bf0cebc116', {
  ...zone('444455556666', 'Z1PA6795UKMFR9', 'route53:ChangeResourceRecordSets'),
  actor: { principal: 'arn:aws:iam::111122223333:user/smithj', sourceIp: '192.0.2.92', userAgent: 'Apache-HttpClient/4.3 (java 1.5)' },
  payload: { kind: 'delta', deltas: [recordPut('prod.example.com.', AWSDOCS_RECORDS, 300), recordPut('test.example.com.', AWSDOCS_RECORDS, 300)] },
});
const deleteHostedZone = changes('0cb87544-ebee-40a9-9812-e9dda1962cb2', {
  cloud: 'aws', account: '444455556666', region: 'global', kind: 'dns-zone', id: 'Z1PA6795UKMFR9',
  action: 'delete', time: '2018-01-16T00:41:37Z', payload: { kind: 'none' },
});
const panther = { principal: 'arn:aws:sts::123456789012:assumed-role/tester', sourceIp: '111.111.111.111', userAgent: 'console.ec2.amazonaws.com' };

/** One row per file in ../shared/corpus/aws; the SOURCES.md there says where each comes from. */
const EXPECTED: Record<string, Expectation> = {
  'adjacent-cloudtrail-AuthorizeSecurityGroupIngress-stratus.json':
    { adapter: RECORD, records: [unwatched('9fd68588-ecbf-4528-a345-199fa6bb0821', 'ec2:AuthorizeSecurityGroupIngress')] },
  'adjacent-cloudtrail-CreateHealthCheck-awsdocs-route53.json':
    { adapter: RECORD, records: [unwatched('45ec906a-1325-4f61-b133-3ef1012b0cbc', 'route53:CreateHealthCheck')] },
  'adjacent-cloudtrail-CreateResolverEndpoint-awsdocs-route53.json':
    { adapter: RECORD, records: [unwatched('cb05b4f9-9411-4507-813b-33cb0example', 'route53resolver:CreateResolverEndpoint')] },
  'adjacent-cloudtrail-CreateTransitGateway-awsdocs-tgw.json':
    { adapter: RECORD, records: [unwatched('e8fa575f-4964-4ab9-8ca4-6b5b4EXAMPLE', 'ec2:CreateTransitGateway')] },
  'adjacent-cloudtrail-DeleteFlowLogs-stratus.json':
    { adapter: RECORD, records: [unwatched('ded2f5af-f3a5-46d2-a170-a23206a32c36', 'ec2:DeleteFlowLogs')] },
  'adjacent-cloudtrail-DeleteNetworkAcl-elastic.json':
    { adapter: RECORD, records: [unwatched('fb96d105-4185-4a53-bbb0-97782fa0f1c5', 'ec2:DeleteNetworkAcl')] },
  'adjacent-cloudtrail-DeleteNetworkAclEntry-elastic.json':
    { adapter: RECORD, records: [unwatched('0b1e6921-5fc4-4946-995e-c4e825701372', 'ec2:DeleteNetworkAclEntry')] },
  'adjacent-cloudtrail-DeleteResolverQueryLogConfig-stratus.json':
    { adapter: RECORD, records: [unwatched('ba4609ca-b420-4cb6-bdff-307729b3b7db', 'route53resolver:DeleteResolverQueryLogConfig')] },
  'adjacent-cloudtrail-updateDomainContact-route53domains-awsdocs.json':
    { adapter: RECORD, records: [unwatched('f34f3338-aaf4-446f-bf0e-f72323bac94d', 'route53domains:updateDomainContact')] },
  'adjacent-eventbridge-DeleteTransitGatewayVpcAttachment-custodian.json':
    { adapter: 'aws-eventbridge', records: [unwatched('10fe783b-14ea-4f67-8dbc-b1596716e57c', 'ec2:DeleteTransitGatewayVpcAttachment')] },
  'cloudtrail-AttachInternetGateway-cloudzero-3.json': { adapter: RECORD, records: [changes('a6e1634d-4fa3-4b99-be61-9524e513b911', {
    cloud: 'aws', account: '123456789012', region: 'us-west-1', operation: 'ec2:AttachInternetGateway', time: '2018-03-02T16:17:18Z',
    actor: { principal: 'arn:aws:iam::123456789012:user/creator-user', sourceIp: '10.10.10.10', userAgent: 'reactor unit tests' },
    kind: 'internet-gateway', id: 'igw-01234567890123456', action: 'update',
    payload: { kind: 'delta', deltas: [{ op: 'set', field: 'network', value: 'vpc-ababababab' }] },
  })] },
  'cloudtrail-AttachInternetGateway-errorCode-RequestExpired-panther-2.json':
    { adapter: RECORD, records: [failed('ec2:AttachInternetGateway failed: RequestExpired')] },
  'cloudtrail-AttachInternetGateway-panther-1.json': { adapter: RECORD, records: [changes('1', {
    account: '123456789012', region: 'us-west-2', actor: panther, kind: 'internet-gateway', id: 'igw-1', action: 'update',
    payload: { kind: 'delta', deltas: [{ op: 'set', field: 'network', value: 'vpc-1' }] },
  })] },
  // Redacted samples name no real account: refused at the edge (core/safe-text.ts).
  'cloudtrail-ChangeResourceRecordSets-DELETE-certbot-redacted-2.json': { adapter: RECORD, records: [{
    status: 'rejected', reason: 'CloudTrail record route53:ChangeResourceRecordSets: account "<Redacted>" is not an AWS account id (12 digits)',
  }] },
  'cloudtrail-ChangeResourceRecordSets-awsdocs-route53-1.json': { adapter: RECORD, records: [changeRecordSets] },
  'cloudtrail-CreateNatGateway-cloudzero-1.json': { adapter: RECORD, records: [changes('a6e1634d-4fa3-4b99-be61-9524e513b911', {
    account: '123456789012', region: 'us-west-1', kind: 'nat-gateway', id: 'nat-00000001111111111', action: 'create',
    payload: { kind: 'full', state: {
      kind: 'nat-gateway', id: 'nat-00000001111111111', region: 'us-west-1', network: 'vpc-abababab', subnets: ['subnet-ababab'], publicIps: [],
    } },
  })] },
  'cloudtrail-CreateRoute-errorCode-Blocked-panther-2.json': { adapter: RECORD, records: [failed('ec2:CreateRoute failed: Blocked')] },
  'cloudtrail-CreateRoute-panther-1.json': { adapter: RECORD, records: [changes('1', {
    account: '123456789012', region: 'us-west-2', actor: panther, kind: 'route-table', id: 'rtb-1', action: 'update',
    payload: { kind: 'delta', deltas: [{
      op: 'put-item', field: 'routes', key: ['destination'], item: { destination: '0.0.0.0/0', target: { type: 'internet', id: 'igw-1' } },
    }] },
  })] },
  'cloudtrail-CreateRouteTable-cloudzero-1.json': { adapter: RECORD, records: [changes('a6e1634d-4fa3-4b99-be61-9524e513b911', {
    account: '123456789012', region: 'us-west-1', kind: 'route-table', id: 'rtb-bcbcbcbc', action: 'create',
    payload: { kind: 'full', state: {
      kind: 'route-table', id: 'rtb-bcbcbcbc', region: 'us-west-1', network: 'vpc-abababab',
      routes: [{ destination: '172.20.0.0/16', target: { type: 'local' } }], subnets: [], associations: [], propagations: [],
    } },
  })] },
  // A fragment (SOURCES.md): no recipientAccountId and no userIdentity, so no account to file it under.
  'cloudtrail-CreateVpcEndpoint-permiso-reduced-1.json': { adapter: RECORD, records: [{
    status: 'rejected',
    reason: 'CloudTrail record: account missing (no recipientAccountId, envelope account or userIdentity.accountId)',
  }] },
  'cloudtrail-DeleteHostedZone-awsdocs-route53-1.json': { adapter: RECORD, records: [deleteHostedZone] },
  'cloudtrail-logfile-Records-route53-awsdocs.json': { adapter: 'aws-cloudtrail-log-file', records: [
    unwatched('1cdbea14-e162-43bb-8853-f9f86d4739ca', 'route53:ListHostedZones'),
    unwatched('45ec906a-1325-4f61-b133-3ef1012b0cbc', 'route53:CreateHealthCheck'),
    changeRecordSets,
    deleteHostedZone,
    unwatched('f34f3338-aaf4-446f-bf0e-f72323bac94d', 'route53domains:updateDomainContact'),
    unwatched('cb05b4f9-9411-4507-813b-33cb0example', 'route53resolver:CreateResolverEndpoint'),
  ] },
  'eventbridge-CreateRoute-awssample-mit0-1.json': { adapter: 'aws-eventbridge', records: [{
    status: 'rejected', reason: 'EventBridge event ec2:CreateRoute: account "xxxx" is not an AWS account id (12 digits)',
  }] },
  'negative-cloudtrail-AwsVpceEvent-VpceAccessDenied-panther.json': { adapter: RECORD, records: [
    { status: 'ignored', reason: 'unwatched', detail: 's3:GetObject network activity (AwsVpceEvent)' },
  ] },
  'negative-cloudtrail-AwsVpceEvent-ec2-DescribeInstances-panther.json': { adapter: RECORD, records: [
    { status: 'ignored', reason: 'unwatched', detail: 'ec2:DescribeInstances network activity (AwsVpceEvent)' },
  ] },
  'negative-cloudtrail-DescribeRouteTables-panther.json': { adapter: RECORD, records: [unwatched('1', 'ec2:DescribeRouteTables')] },
  'negative-cloudtrail-ListHostedZones-awsdocs-route53.json':
    { adapter: RECORD, records: [unwatched('1cdbea14-e162-43bb-8853-f9f86d4739ca', 'route53:ListHostedZones')] },
};

const available = corpusAvailable();
const files = available ? corpusFiles('aws') : [];

describe.skipIf(!available)('the AWS corpus (real published samples)', () => {
  it('has an expectation for every file, and a file for every expectation', () => {
    expect(files.map((file) => basename(file)).sort()).toStrictEqual(Object.keys(EXPECTED).sort());
  });

  it.each(corpusCases(files))('%s', (name, file) => {
    const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const expected = EXPECTED[name];
    if (!expected) throw new Error(`no expectation for ${name}`);

    const { matched, records } = readCorpusDocument(awsAdapters, raw);

    expect(matched).toStrictEqual([expected.adapter]);
    expect(records).toHaveLength(expected.records.length);
    expect(records).toMatchObject(expected.records);
  });
});
