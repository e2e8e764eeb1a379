import type { Delta } from '../../core/change.js';
import { ParseError } from '../../core/errors.js';
import type { InternetGateway, NatGateway, Peering, PrivateEndpoint } from '../../core/resource.js';
import { deleted, type ApiCall, type ChangeDraft, type Extractor } from './extraction.js';

function full(state: InternetGateway | NatGateway | PrivateEndpoint | Peering): ChangeDraft[] {
  return [{ id: state.id, payload: { kind: 'full', state } }];
}

function internetGatewayId({ request }: ApiCall): string {
  return request.get('internetGatewayId').requireText();
}

/** A new internet gateway is detached: it has no network until AttachInternetGateway. */
function createInternetGateway({ response, region }: ApiCall): ChangeDraft[] {
  const id = response.get('internetGateway').get('internetGatewayId').requireText();
  return full({ kind: 'internet-gateway', id, region });
}

function setNetwork(id: string, network: string | undefined): ChangeDraft[] {
  return [{ id, payload: { kind: 'delta', deltas: [{ op: 'set', field: 'network', value: network }] } }];
}

/** Creating an egress-only internet gateway attaches it to the VPC named in the request. */
function createEgressOnlyInternetGateway({ request, response, region }: ApiCall): ChangeDraft[] {
  const gateway = response.get('egressOnlyInternetGateway');
  const id = gateway.get('egressOnlyInternetGatewayId').requireText();
  const attached = gateway.get('attachmentSet').list().map((item) => item.get('vpcId').text());
  const network = request.get('vpcId').text() ?? attached.find((vpc) => vpc !== undefined);
  return full({ kind: 'internet-gateway', id, region, ...(network ? { network } : {}) });
}

function createNatGateway({ request, response, region }: ApiCall): ChangeDraft[] {
  const nat = response.get('natGateway');
  const id = nat.get('natGatewayId').requireText();
  const network = nat.get('vpcId').text();
  const subnet = nat.get('subnetId').text() ?? request.get('subnetId').requireText();
  const publicIps = nat.get('natGatewayAddressSet').list().flatMap((address) => address.get('publicIp').text() ?? []);
  return full({ kind: 'nat-gateway', id, region, ...(network ? { network } : {}), subnets: [subnet], publicIps });
}

function createVpcEndpoint({ request, response, region }: ApiCall): ChangeDraft[] {
  const endpoint = response.get('vpcEndpoint');
  const id = endpoint.get('vpcEndpointId').requireText();
  const network = endpoint.get('vpcId').text() ?? request.get('vpcId').text();
  const service = endpoint.get('serviceName').text() ?? request.get('serviceName').requireText();
  const privateDns = endpoint.get('privateDnsEnabled').bool() ?? request.get('privateDnsEnabled').bool();
  const policy = endpoint.get('policyDocument').text() ?? request.get('policyDocument').text();
  const subnets = endpoint.get('subnetIdSet').present()
    ? endpoint.get('subnetIdSet').texts()
    : request.ids('subnetId');
  return full({
    kind: 'private-endpoint', id, region, service, subnets,
    ...(network ? { network } : {}),
    ...(privateDns === undefined ? {} : { privateDns }),
    ...(policy ? { policy } : {}),
  });
}

/** Only what the snapshot format keeps: subnets, policy, private DNS. Other changes yield no delta. */
function modifyVpcEndpoint({ request }: ApiCall): ChangeDraft[] {
  const id = request.get('vpcEndpointId').requireText();
  const added = request.ids('addSubnetId');
  const removed = request.ids('removeSubnetId');
  const policy = request.get('policyDocument').text();
  const privateDns = request.get('privateDnsEnabled').bool();
  const deltas: Delta[] = [
    ...(added.length ? [{ op: 'add', field: 'subnets', values: added } as const] : []),
    ...(removed.length ? [{ op: 'remove', field: 'subnets', values: removed } as const] : []),
    ...(request.get('resetPolicy').bool() === true ? [{ op: 'set', field: 'policy', value: undefined } as const] : []),
    ...(policy ? [{ op: 'set', field: 'policy', value: policy } as const] : []),
    ...(privateDns === undefined ? [] : [{ op: 'set', field: 'privateDns', value: privateDns } as const]),
  ];
  return [{ id, payload: { kind: 'delta', deltas } }];
}

/** One deletion per endpoint named, except those the response lists as `unsuccessful`. */
function deleteVpcEndpoints({ request, response }: ApiCall): ChangeDraft[] {
  const failed = new Set(response.get('unsuccessful').list().flatMap((item) => item.get('resourceId').text() ?? []));
  const ids = request.ids('vpcEndpointId');
  if (ids.length === 0) throw new ParseError(`${request.get('vpcEndpointId').path} missing`);
  return ids.filter((id) => !failed.has(id)).map(deleted);
}

function createVpcPeeringConnection({ request, response, region }: ApiCall): ChangeDraft[] {
  const connection = response.get('vpcPeeringConnection');
  const id = connection.get('vpcPeeringConnectionId').requireText();
  const network = connection.get('requesterVpcInfo').get('vpcId').text() ?? request.get('vpcId').text();
  const peerNetwork = connection.get('accepterVpcInfo').get('vpcId').text() ?? request.get('peerVpcId').requireText();
  return full({ kind: 'peering', id, region, ...(network ? { network } : {}), peerNetwork });
}

/**
 * The accepter's account logs the accept; the connection keeps the requester's VPC as `network`
 * so both sides and the live reader spell it alike. Without the connection in the response, read it.
 */
function acceptVpcPeeringConnection(call: ApiCall): ChangeDraft[] {
  const id = call.request.get('vpcPeeringConnectionId').requireText();
  const connection = call.response.get('vpcPeeringConnection');
  if (!connection.get('accepterVpcInfo').get('vpcId').present()) return [{ id, payload: { kind: 'none' } }];
  return createVpcPeeringConnection(call);
}

/** Internet, egress-only internet and NAT gateways, private (VPC) endpoints, VPC peering connections. */
export const gatewayExtractors: Readonly<Record<string, Extractor>> = {
  'ec2:CreateInternetGateway': createInternetGateway,
  'ec2:AttachInternetGateway': (call) => setNetwork(internetGatewayId(call), call.request.get('vpcId').requireText()),
  'ec2:DetachInternetGateway': (call) => setNetwork(internetGatewayId(call), undefined),
  'ec2:DeleteInternetGateway': (call) => [deleted(internetGatewayId(call))],
  'ec2:CreateEgressOnlyInternetGateway': createEgressOnlyInternetGateway,
  'ec2:DeleteEgressOnlyInternetGateway': ({ request }) => [deleted(request.get('egressOnlyInternetGatewayId').requireText())],
  'ec2:CreateNatGateway': createNatGateway,
  'ec2:DeleteNatGateway': ({ request, response }) => [deleted(request.get('natGatewayId').text() ?? response.get('natGatewayId').requireText())],
  'ec2:CreateVpcEndpoint': createVpcEndpoint,
  'ec2:ModifyVpcEndpoint': modifyVpcEndpoint,
  'ec2:DeleteVpcEndpoints': deleteVpcEndpoints,
  'ec2:CreateVpcPeeringConnection': createVpcPeeringConnection,
  'ec2:AcceptVpcPeeringConnection': acceptVpcPeeringConnection,
  'ec2:DeleteVpcPeeringConnection': ({ request }) => [deleted(request.get('vpcPeeringConnectionId').requireText())],
};
