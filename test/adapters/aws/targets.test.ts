import { describe, expect, it } from 'vitest';
import { routeDestination, routeTargetFromAws } from '../../../adapters/aws/index.js';

describe('routeTargetFromAws', () => {
  it.each([
    [{ gatewayId: 'igw-0c1d2e3f4a5b6c7d8' }, { type: 'internet', id: 'igw-0c1d2e3f4a5b6c7d8' }],
    [{ egressOnlyInternetGatewayId: 'eigw-015e0e244e24dfe8a' }, { type: 'internet', id: 'eigw-015e0e244e24dfe8a' }],
    [{ carrierGatewayId: 'cagw-0a1b2c3d4e5f60718' }, { type: 'internet', id: 'cagw-0a1b2c3d4e5f60718' }],
    [{ natGatewayId: 'nat-0f1e2d3c4b5a69788' }, { type: 'nat', id: 'nat-0f1e2d3c4b5a69788' }],
    [{ gatewayId: 'vgw-0a9b8c7d6e5f40312' }, { type: 'vpn', id: 'vgw-0a9b8c7d6e5f40312' }],
    [{ vpcPeeringConnectionId: 'pcx-0a1b2c3d4e5f60718' }, { type: 'peering', id: 'pcx-0a1b2c3d4e5f60718' }],
    [{ transitGatewayId: 'tgw-0a13743bd6c1f5fcb' }, { type: 'transit', id: 'tgw-0a13743bd6c1f5fcb' }],
    [{ transitGatewayAttachmentId: 'tgw-attach-0a1b2c3d4e5f60718' }, { type: 'transit', id: 'tgw-attach-0a1b2c3d4e5f60718' }],
    [{ vpcEndpointId: 'vpce-0a1b2c3d4e5f60718' }, { type: 'private-endpoint', id: 'vpce-0a1b2c3d4e5f60718' }],
    [{ gatewayId: 'vpce-0a1b2c3d4e5f60718' }, { type: 'private-endpoint', id: 'vpce-0a1b2c3d4e5f60718' }],
    [{ networkInterfaceId: 'eni-0a1b2c3d4e5f60718' }, { type: 'appliance', id: 'eni-0a1b2c3d4e5f60718' }],
    [{ instanceId: 'i-0a1b2c3d4e5f60718' }, { type: 'appliance', id: 'i-0a1b2c3d4e5f60718' }],
    [{ gatewayId: 'local' }, { type: 'local' }],
    [{ localGatewayId: 'lgw-0a1b2c3d4e5f60718' }, { type: 'other', id: 'lgw-0a1b2c3d4e5f60718' }],
    [{ coreNetworkArn: 'arn:aws:networkmanager::111122223333:core-network/core-network-0a1b2c3d' },
      { type: 'other', id: 'arn:aws:networkmanager::111122223333:core-network/core-network-0a1b2c3d' }],
    [{ blackhole: true }, { type: 'blackhole' }],
    [{}, { type: 'other' }],
  ])('maps %j to %j', (fields, target) => {
    expect(routeTargetFromAws(fields)).toStrictEqual(target);
  });

  it('reads PascalCase fields as the SDK and wrapped requests spell them', () => {
    const fields = { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-0f1e2d3c4b5a69788', State: 'active' };

    const target = routeTargetFromAws(fields);

    expect(target).toStrictEqual({ type: 'nat', id: 'nat-0f1e2d3c4b5a69788' });
  });

  it('names the instance of an instance route, which DescribeRouteTables reports with its interface', () => {
    const fields = { InstanceId: 'i-0a1b2c3d4e5f60718', InstanceOwnerId: '111122223333', NetworkInterfaceId: 'eni-0a1b2c3d4e5f60718' };

    const target = routeTargetFromAws(fields);

    expect(target).toStrictEqual({ type: 'appliance', id: 'i-0a1b2c3d4e5f60718' });
  });

  it('treats a transit gateway route with no attachment in state blackhole as a blackhole', () => {
    const fields = { destinationCidrBlock: '10.50.0.0/16', type: 'static', state: 'blackhole' };

    const target = routeTargetFromAws(fields);

    expect(target).toStrictEqual({ type: 'blackhole' });
  });

  it('keeps the target of an EC2 route whose target is gone (state blackhole)', () => {
    const fields = { destinationCidrBlock: '0.0.0.0/0', natGatewayId: 'nat-0f1e2d3c4b5a69788', state: 'blackhole' };

    const target = routeTargetFromAws(fields);

    expect(target).toStrictEqual({ type: 'nat', id: 'nat-0f1e2d3c4b5a69788' });
  });
});

describe('routeDestination', () => {
  it.each([
    [{ destinationCidrBlock: '10.0.0.0/16' }, '10.0.0.0/16'],
    [{ destinationIpv6CidrBlock: '::/0' }, '::/0'],
    [{ DestinationPrefixListId: 'pl-6da54004' }, 'pl-6da54004'],
    [{ gatewayId: 'igw-0c1d2e3f4a5b6c7d8' }, undefined],
  ])('reads %j as %j', (fields, destination) => {
    expect(routeDestination(fields)).toBe(destination);
  });
});
