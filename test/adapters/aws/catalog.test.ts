import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awsCatalog, awsCatalogRow, awsEventPattern } from '../../../adapters/aws/index.js';
import { awsExtractors } from '../../../adapters/aws/extractors.js';
import { FIXTURES, changesOf, cloudTrail } from './fixtures.js';

const REQUIRED = [
  'ec2:CreateRoute', 'ec2:ReplaceRoute', 'ec2:DeleteRoute', 'ec2:CreateRouteTable', 'ec2:DeleteRouteTable',
  'ec2:AssociateRouteTable', 'ec2:DisassociateRouteTable', 'ec2:ReplaceRouteTableAssociation',
  'ec2:EnableVgwRoutePropagation', 'ec2:DisableVgwRoutePropagation',
  'ec2:CreateInternetGateway', 'ec2:AttachInternetGateway', 'ec2:DetachInternetGateway', 'ec2:DeleteInternetGateway',
  'ec2:CreateEgressOnlyInternetGateway', 'ec2:DeleteEgressOnlyInternetGateway',
  'ec2:CreateNatGateway', 'ec2:DeleteNatGateway',
  'ec2:CreateVpcEndpoint', 'ec2:ModifyVpcEndpoint', 'ec2:DeleteVpcEndpoints',
  'ec2:CreateVpcPeeringConnection', 'ec2:AcceptVpcPeeringConnection', 'ec2:DeleteVpcPeeringConnection',
  'ec2:CreateTransitGatewayRoute', 'ec2:ReplaceTransitGatewayRoute', 'ec2:DeleteTransitGatewayRoute',
  'ec2:CreateTransitGatewayRouteTable', 'ec2:DeleteTransitGatewayRouteTable',
  'route53:CreateHostedZone', 'route53:DeleteHostedZone', 'route53:ChangeResourceRecordSets',
  'route53:AssociateVPCWithHostedZone', 'route53:DisassociateVPCFromHostedZone',
  'route53resolver:CreateResolverRule', 'route53resolver:UpdateResolverRule', 'route53resolver:AssociateResolverRule',
  'route53resolver:DisassociateResolverRule', 'route53resolver:DeleteResolverRule',
];

describe('awsCatalog', () => {
  it('has one row per operation', () => {
    const operations = awsCatalog.map((row) => row.operation);

    expect(new Set(operations).size).toBe(operations.length);
  });

  it('has a row for every watched operation', () => {
    const operations = awsCatalog.map((row) => row.operation).sort();

    expect(operations).toStrictEqual([...REQUIRED].sort());
  });

  it('names each operation <service>:<eventName> after its CloudTrail eventSource', () => {
    for (const row of awsCatalog) {
      expect(row.cloud).toBe('aws');
      expect(row.source).toMatch(/^(ec2|route53|route53resolver)\.amazonaws\.com$/);
      expect(row.operation).toBe(`${row.source.replace('.amazonaws.com', '')}:${row.name}`);
      expect(awsCatalogRow(row.source, row.name)).toBe(row);
    }
  });

  it('has an extractor for every row and a row for every extractor', () => {
    const operations = awsCatalog.map((row) => row.operation).sort();

    expect(Object.keys(awsExtractors).sort()).toStrictEqual(operations);
  });

  it('has a CloudTrail fixture for every row, and no fixture without a row', () => {
    const files = readdirSync(join(FIXTURES, 'cloudtrail')).sort();

    expect(files).toStrictEqual(awsCatalog.map((row) => `${row.name}.json`).sort());
    for (const row of awsCatalog) {
      const record = cloudTrail(row.name);
      expect([record.eventSource, record.eventName]).toStrictEqual([row.source, row.name]);
    }
  });

  it("yields, for every row's fixture, changes of the row's kind and action", () => {
    for (const row of awsCatalog) {
      const changes = changesOf(cloudTrail(row.name));

      expect(changes.length, row.operation).toBeGreaterThan(0);
      for (const change of changes) {
        expect([change.operation, change.kind, change.action]).toStrictEqual([row.operation, row.kind, row.action]);
      }
    }
  });
});

describe('awsEventPattern', () => {
  it('selects successful CloudTrail API calls of every catalog source and name', () => {
    const pattern = awsEventPattern();

    expect(pattern).toStrictEqual({
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['ec2.amazonaws.com', 'route53.amazonaws.com', 'route53resolver.amazonaws.com'],
        eventName: [...new Set(awsCatalog.map((row) => row.name))].sort(),
        $or: [{ errorCode: [{ exists: false }] }, { errorCode: [null] }],
      },
    });
  });

  it('is generated from the catalog it is given', () => {
    const [first] = awsCatalog;
    if (!first) throw new Error('empty catalog');

    const pattern = awsEventPattern([first]);

    expect(pattern.detail).toStrictEqual({
      eventSource: [first.source], eventName: [first.name], $or: [{ errorCode: [{ exists: false }] }, { errorCode: [null] }],
    });
  });
});
