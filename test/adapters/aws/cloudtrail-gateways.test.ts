import { describe, expect, it } from 'vitest';
import { changesOf, cloudTrail, provenance, setPath } from './fixtures.js';

const IGW = 'igw-0c1d2e3f4a5b6c7d8';
const VPC = 'vpc-0123456789abcdef0';
const VPCE = 'vpce-0a1b2c3d4e5f60718';
const POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::corp-artifacts/*"}]}';

describe('internet gateway operations', () => {
  it('CreateInternetGateway yields a detached gateway', () => {
    const record = cloudTrail('CreateInternetGateway');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'internet-gateway', id: IGW, action: 'create',
      payload: { kind: 'full', state: { kind: 'internet-gateway', id: IGW, region: 'eu-west-1' } },
    }]);
  });

  it('AttachInternetGateway sets its network', () => {
    const record = cloudTrail('AttachInternetGateway');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'internet-gateway', id: IGW, action: 'update',
      payload: { kind: 'delta', deltas: [{ op: 'set', field: 'network', value: VPC }] },
    }]);
  });

  it('DetachInternetGateway clears its network', () => {
    const record = cloudTrail('DetachInternetGateway');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'internet-gateway', id: IGW, action: 'update',
      payload: { kind: 'delta', deltas: [{ op: 'set', field: 'network', value: undefined }] },
    }]);
  });

  it('DeleteInternetGateway deletes it', () => {
    const record = cloudTrail('DeleteInternetGateway');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'internet-gateway', id: IGW, action: 'delete', payload: { kind: 'none' },
    }]);
  });

  it('CreateEgressOnlyInternetGateway yields a gateway attached to its VPC', () => {
    const record = cloudTrail('CreateEgressOnlyInternetGateway');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'internet-gateway', id: 'eigw-015e0e244e24dfe8a', action: 'create',
      payload: { kind: 'full', state: { kind: 'internet-gateway', id: 'eigw-015e0e244e24dfe8a', region: 'eu-west-1', network: VPC } },
    }]);
  });

  it('DeleteEgressOnlyInternetGateway deletes it', () => {
    const record = cloudTrail('DeleteEgressOnlyInternetGateway');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'internet-gateway', id: 'eigw-015e0e244e24dfe8a', action: 'delete', payload: { kind: 'none' },
    }]);
  });
});

describe('NAT gateway operations', () => {
  it('CreateNatGateway yields the gateway with its subnet and public IP', () => {
    const record = cloudTrail('CreateNatGateway');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'nat-gateway', id: 'nat-0f1e2d3c4b5a69788', action: 'create',
      payload: { kind: 'full', state: {
        kind: 'nat-gateway', id: 'nat-0f1e2d3c4b5a69788', region: 'eu-west-1', network: VPC,
        subnets: ['subnet-0ee55ff66aa77bb88'], publicIps: ['203.0.113.10'],
      } },
    }]);
  });

  it('DeleteNatGateway deletes it', () => {
    const record = cloudTrail('DeleteNatGateway');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'nat-gateway', id: 'nat-0f1e2d3c4b5a69788', action: 'delete', payload: { kind: 'none' },
    }]);
  });
});

describe('VPC endpoint operations', () => {
  it('CreateVpcEndpoint yields the endpoint with service, private DNS, policy and subnets', () => {
    const record = cloudTrail('CreateVpcEndpoint');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'private-endpoint', id: VPCE, action: 'create',
      payload: { kind: 'full', state: {
        kind: 'private-endpoint', id: VPCE, region: 'eu-west-1', network: VPC, service: 'com.amazonaws.eu-west-1.s3',
        privateDns: true, policy: POLICY, subnets: ['subnet-0aa11bb22cc33dd44', 'subnet-0ee55ff66aa77bb88'],
      } },
    }]);
  });

  it('ModifyVpcEndpoint adds and removes subnets, resets the policy and sets private DNS', () => {
    const record = cloudTrail('ModifyVpcEndpoint');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'private-endpoint', id: VPCE, action: 'update',
      payload: { kind: 'delta', deltas: [
        { op: 'add', field: 'subnets', values: ['subnet-0cc99dd00ee11ff22'] },
        { op: 'remove', field: 'subnets', values: ['subnet-0ee55ff66aa77bb88'] },
        { op: 'set', field: 'policy', value: undefined },
        { op: 'set', field: 'privateDns', value: false },
      ] },
    }]);
  });

  it('ModifyVpcEndpoint with a policy document sets the policy', () => {
    const record = cloudTrail('ModifyVpcEndpoint');
    const request = 'requestParameters.ModifyVpcEndpointRequest';
    setPath(record, `${request}.ResetPolicy`, undefined);
    setPath(record, `${request}.PrivateDnsEnabled`, undefined);
    setPath(record, `${request}.AddSubnetId`, undefined);
    setPath(record, `${request}.RemoveSubnetId`, undefined);
    setPath(record, `${request}.PolicyDocument`, POLICY);

    const [change] = changesOf(record);

    expect(change?.payload).toStrictEqual({ kind: 'delta', deltas: [{ op: 'set', field: 'policy', value: POLICY }] });
  });

  it('DeleteVpcEndpoints deletes every endpoint it names', () => {
    const record = cloudTrail('DeleteVpcEndpoints');

    const changes = changesOf(record);

    expect(changes).toStrictEqual(['vpce-0a1b2c3d4e5f60718', 'vpce-0b2c3d4e5f6071829'].map((id) => ({
      ...provenance(record), kind: 'private-endpoint', id, action: 'delete', payload: { kind: 'none' },
    })));
  });

  it('DeleteVpcEndpoints reads the ids in the older vpcEndpointIdSet form too', () => {
    const record = cloudTrail('DeleteVpcEndpoints');
    setPath(record, 'requestParameters', { vpcEndpointIdSet: { items: [{ vpcEndpointId: 'vpce-0a1b2c3d4e5f60718' }] } });

    const changes = changesOf(record);

    expect(changes.map((change) => change.id)).toStrictEqual(['vpce-0a1b2c3d4e5f60718']);
  });

  it('DeleteVpcEndpoints skips the endpoints the response lists as unsuccessful', () => {
    const record = cloudTrail('DeleteVpcEndpoints');
    setPath(record, 'responseElements.DeleteVpcEndpointsResponse.unsuccessful', {
      item: { resourceId: 'vpce-0b2c3d4e5f6071829', error: { code: 'InvalidVpcEndpoint.NotFound', message: 'not found' } },
    });

    const changes = changesOf(record);

    expect(changes.map((change) => change.id)).toStrictEqual(['vpce-0a1b2c3d4e5f60718']);
  });
});

describe('VPC peering operations', () => {
  it('CreateVpcPeeringConnection yields the requester VPC and its peer', () => {
    const record = cloudTrail('CreateVpcPeeringConnection');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'peering', id: 'pcx-0a1b2c3d4e5f60718', action: 'create',
      payload: { kind: 'full', state: {
        kind: 'peering', id: 'pcx-0a1b2c3d4e5f60718', region: 'eu-west-1', network: VPC, peerNetwork: 'vpc-0fedcba9876543210',
      } },
    }]);
  });

  it('AcceptVpcPeeringConnection yields the connection from the response, requester first', () => {
    const record = cloudTrail('AcceptVpcPeeringConnection');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'peering', id: 'pcx-0fedcba9876543210', action: 'update',
      payload: { kind: 'full', state: {
        kind: 'peering', id: 'pcx-0fedcba9876543210', region: 'eu-west-1', network: 'vpc-0fedcba9876543210', peerNetwork: VPC,
      } },
    }]);
  });

  it('AcceptVpcPeeringConnection without the connection in the response asks for a read', () => {
    const record = cloudTrail('AcceptVpcPeeringConnection');
    setPath(record, 'responseElements', { requestId: 'c1a7e6b2-95f3-4d0e-8a4b-7f6e5d4c3b2a', _return: true });

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'peering', id: 'pcx-0fedcba9876543210', action: 'update', payload: { kind: 'none' },
    }]);
  });

  it('DeleteVpcPeeringConnection deletes it', () => {
    const record = cloudTrail('DeleteVpcPeeringConnection');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'peering', id: 'pcx-0a1b2c3d4e5f60718', action: 'delete', payload: { kind: 'none' },
    }]);
  });
});
