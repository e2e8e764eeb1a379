import type { CatalogRow } from '../../core/catalog.js';

const EC2 = 'ec2.amazonaws.com';
const ROUTE53 = 'route53.amazonaws.com';
const RESOLVER = 'route53resolver.amazonaws.com';

/** The detail-type EventBridge gives CloudTrail management events. */
export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

/** `ec2.amazonaws.com` → `ec2`: the service part of an operation name. */
export function serviceOf(eventSource: string): string {
  return eventSource.replace(/\.amazonaws\.com$/, '');
}

function row(
  source: string, name: string, kind: CatalogRow['kind'], action: CatalogRow['action'],
  payload: CatalogRow['payload'], ids: string,
): CatalogRow {
  return { cloud: 'aws', operation: `${serviceOf(source)}:${name}`, source, name, kind, action, payload, ids };
}

/**
 * The AWS operations netdrift watches (DESIGN.md, "The catalog"). `ids` names the field in its
 * usual CloudTrail spelling; newer EC2 calls log the same field PascalCase inside a
 * `<Name>Request` wrapper (`requestParameters.DeleteNatGatewayRequest.NatGatewayId`).
 */
export const awsCatalog: readonly CatalogRow[] = [
  row(EC2, 'CreateRoute', 'route-table', 'update', 'delta', 'requestParameters.routeTableId'),
  row(EC2, 'ReplaceRoute', 'route-table', 'update', 'delta', 'requestParameters.routeTableId'),
  row(EC2, 'DeleteRoute', 'route-table', 'update', 'delta', 'requestParameters.routeTableId'),
  row(EC2, 'CreateRouteTable', 'route-table', 'create', 'full', 'responseElements.routeTable.routeTableId'),
  row(EC2, 'DeleteRouteTable', 'route-table', 'delete', 'none', 'requestParameters.routeTableId'),
  row(EC2, 'AssociateRouteTable', 'route-table', 'update', 'delta', 'requestParameters.routeTableId'),
  row(EC2, 'DisassociateRouteTable', 'route-table', 'update', 'delta', 'requestParameters.associationId (the table holding it)'),
  row(EC2, 'ReplaceRouteTableAssociation', 'route-table', 'update', 'delta', 'requestParameters.routeTableId'),
  row(EC2, 'EnableVgwRoutePropagation', 'route-table', 'update', 'delta', 'requestParameters.routeTableId'),
  row(EC2, 'DisableVgwRoutePropagation', 'route-table', 'update', 'delta', 'requestParameters.routeTableId'),
  row(EC2, 'CreateInternetGateway', 'internet-gateway', 'create', 'full', 'responseElements.internetGateway.internetGatewayId'),
  row(EC2, 'AttachInternetGateway', 'internet-gateway', 'update', 'delta', 'requestParameters.internetGatewayId'),
  row(EC2, 'DetachInternetGateway', 'internet-gateway', 'update', 'delta', 'requestParameters.internetGatewayId'),
  row(EC2, 'DeleteInternetGateway', 'internet-gateway', 'delete', 'none', 'requestParameters.internetGatewayId'),
  row(EC2, 'CreateEgressOnlyInternetGateway', 'internet-gateway', 'create', 'full',
    'responseElements.egressOnlyInternetGateway.egressOnlyInternetGatewayId'),
  row(EC2, 'DeleteEgressOnlyInternetGateway', 'internet-gateway', 'delete', 'none', 'requestParameters.egressOnlyInternetGatewayId'),
  row(EC2, 'CreateNatGateway', 'nat-gateway', 'create', 'full', 'responseElements.natGateway.natGatewayId'),
  row(EC2, 'DeleteNatGateway', 'nat-gateway', 'delete', 'none', 'requestParameters.natGatewayId'),
  row(EC2, 'CreateVpcEndpoint', 'private-endpoint', 'create', 'full', 'responseElements.vpcEndpoint.vpcEndpointId'),
  row(EC2, 'ModifyVpcEndpoint', 'private-endpoint', 'update', 'delta', 'requestParameters.vpcEndpointId'),
  row(EC2, 'DeleteVpcEndpoints', 'private-endpoint', 'delete', 'none', 'requestParameters.vpcEndpointId (each)'),
  row(EC2, 'CreateVpcPeeringConnection', 'peering', 'create', 'full', 'responseElements.vpcPeeringConnection.vpcPeeringConnectionId'),
  row(EC2, 'AcceptVpcPeeringConnection', 'peering', 'update', 'full', 'requestParameters.vpcPeeringConnectionId'),
  row(EC2, 'DeleteVpcPeeringConnection', 'peering', 'delete', 'none', 'requestParameters.vpcPeeringConnectionId'),
  row(EC2, 'CreateTransitGatewayRoute', 'route-table', 'update', 'delta', 'requestParameters.transitGatewayRouteTableId'),
  row(EC2, 'ReplaceTransitGatewayRoute', 'route-table', 'update', 'delta', 'requestParameters.transitGatewayRouteTableId'),
  row(EC2, 'DeleteTransitGatewayRoute', 'route-table', 'update', 'delta', 'requestParameters.transitGatewayRouteTableId'),
  row(EC2, 'CreateTransitGatewayRouteTable', 'route-table', 'create', 'full',
    'responseElements.transitGatewayRouteTable.transitGatewayRouteTableId'),
  row(EC2, 'DeleteTransitGatewayRouteTable', 'route-table', 'delete', 'none', 'requestParameters.transitGatewayRouteTableId'),
  row(ROUTE53, 'CreateHostedZone', 'dns-zone', 'create', 'full', 'responseElements.hostedZone.id'),
  row(ROUTE53, 'DeleteHostedZone', 'dns-zone', 'delete', 'none', 'requestParameters.id'),
  row(ROUTE53, 'ChangeResourceRecordSets', 'dns-zone', 'update', 'delta', 'requestParameters.hostedZoneId'),
  row(ROUTE53, 'AssociateVPCWithHostedZone', 'dns-zone', 'update', 'delta', 'requestParameters.hostedZoneId'),
  row(ROUTE53, 'DisassociateVPCFromHostedZone', 'dns-zone', 'update', 'delta', 'requestParameters.hostedZoneId'),
  row(RESOLVER, 'CreateResolverRule', 'dns-forwarding', 'create', 'full', 'responseElements.resolverRule.id'),
  row(RESOLVER, 'UpdateResolverRule', 'dns-forwarding', 'update', 'delta', 'requestParameters.resolverRuleId'),
  row(RESOLVER, 'AssociateResolverRule', 'dns-forwarding', 'update', 'delta', 'requestParameters.resolverRuleId'),
  row(RESOLVER, 'DisassociateResolverRule', 'dns-forwarding', 'update', 'delta', 'requestParameters.resolverRuleId'),
  row(RESOLVER, 'DeleteResolverRule', 'dns-forwarding', 'delete', 'none', 'requestParameters.resolverRuleId'),
];

const rowsByEvent = new Map(awsCatalog.map((entry) => [`${entry.source} ${entry.name}`, entry]));

/** The catalog row of a CloudTrail event, by its `eventSource` and `eventName`; undefined if unwatched. */
export function awsCatalogRow(eventSource: string, eventName: string): CatalogRow | undefined {
  return rowsByEvent.get(`${eventSource} ${eventName}`);
}

/** An EventBridge event pattern (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html). */
export interface AwsEventPattern {
  'detail-type': string[];
  detail: { eventSource: string[]; eventName: string[]; $or: [{ errorCode: [{ exists: false }] }, { errorCode: [null] }] };
}

/**
 * The EventBridge pattern that delivers every catalog operation, generated from the catalog so
 * what is deployed and what is parsed cannot disagree. It matches the cross product of sources and
 * names; `parse` ignores the pairs the catalog lacks as unwatched. Failed calls (those CloudTrail
 * logs with an `errorCode`) are not drift, so they are not delivered at all: the pattern admits
 * a record without `errorCode` (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html#eb-filtering-exists-matching)
 * or with a null one, as `parse` reads it (some exporters write every field, `"errorCode": null`).
 */
export function awsEventPattern(catalog: readonly CatalogRow[] = awsCatalog): AwsEventPattern {
  const unique = (values: string[]): string[] => [...new Set(values)].sort();
  return {
    'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
    detail: {
      eventSource: unique(catalog.map((entry) => entry.source)),
      eventName: unique(catalog.map((entry) => entry.name)),
      $or: [{ errorCode: [{ exists: false }] }, { errorCode: [null] }],
    },
  };
}
