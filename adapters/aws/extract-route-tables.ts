import type { Cascade, Delta } from '../../core/change.js';
import { ParseError } from '../../core/errors.js';
import type { Route, RouteTable } from '../../core/resource.js';
import { deleted, type ApiCall, type ChangeDraft, type Extractor } from './extraction.js';
import type { PayloadNode } from './payload-reader.js';
import { routeDestination, routeTargetFromAws } from './targets.js';

const SUBNET_CASCADE: Cascade = { field: 'subnets', property: 'subnet' };

function tableId(request: PayloadNode): string {
  return request.first('routeTableId', 'transitGatewayRouteTableId').requireText();
}

function destinationOf(node: PayloadNode): string {
  const destination = routeDestination(node.fields());
  if (destination === undefined) throw new ParseError(`${node.path}.destinationCidrBlock missing`);
  return destination;
}

function delta(id: string, ...deltas: Delta[]): ChangeDraft[] {
  return [{ id, payload: { kind: 'delta', deltas } }];
}

/** CreateRoute, ReplaceRoute and their transit gateway twins: the route for a destination is (re)set. */
function putRoute({ request }: ApiCall): ChangeDraft[] {
  const item: Route = { destination: destinationOf(request), target: routeTargetFromAws(request.fields()) };
  return delta(tableId(request), { op: 'put-item', field: 'routes', key: ['destination'], item });
}

function removeRoute({ request }: ApiCall): ChangeDraft[] {
  return delta(tableId(request), { op: 'remove-item', field: 'routes', match: { destination: destinationOf(request) } });
}

function routesOf(set: PayloadNode): Route[] {
  return set.list().flatMap((route) => {
    const destination = routeDestination(route.fields());
    return destination === undefined ? [] : [{ destination, target: routeTargetFromAws(route.fields()) }];
  });
}

function createRouteTable({ request, response, region }: ApiCall): ChangeDraft[] {
  const table = response.get('routeTable');
  const id = table.get('routeTableId').requireText();
  const network = table.get('vpcId').text() ?? request.get('vpcId').text();
  const associations = table.get('associationSet').list().map((association) => {
    const subnet = association.get('subnetId').text();
    return { id: association.get('routeTableAssociationId').requireText(), ...(subnet ? { subnet } : {}) };
  });
  const main = table.get('associationSet').list().some((association) => association.get('main').bool() === true);
  const state: RouteTable = {
    kind: 'route-table', id, region,
    ...(network ? { network } : {}),
    routes: routesOf(table.get('routeSet')),
    subnets: associations.flatMap((association) => (association.subnet ? [association.subnet] : [])),
    associations,
    propagations: table.get('propagatingVgwSet').list().flatMap((vgw) => vgw.get('gatewayId').text() ?? []),
    ...(main ? { main } : {}),
  };
  return [{ id, payload: { kind: 'full', state } }];
}

/** A transit gateway route table starts empty; the transit gateway is its routing domain. */
function createTransitGatewayRouteTable({ request, response, region }: ApiCall): ChangeDraft[] {
  const table = response.get('transitGatewayRouteTable');
  const id = table.get('transitGatewayRouteTableId').requireText();
  const network = table.get('transitGatewayId').text() ?? request.get('transitGatewayId').text();
  const state: RouteTable = { kind: 'route-table', id, region, ...(network ? { network } : {}), routes: [], subnets: [] };
  return [{ id, payload: { kind: 'full', state } }];
}

function associateRouteTable({ request, response }: ApiCall): ChangeDraft[] {
  const id = request.get('routeTableId').requireText();
  const associationId = response.get('associationId').requireText();
  const gateway = request.get('gatewayId').text();
  if (gateway !== undefined && !request.get('subnetId').present()) {
    return delta(id, { op: 'put-item', field: 'associations', key: ['id'], item: { id: associationId, gateway } });
  }
  const subnet = request.get('subnetId').requireText();
  return delta(id,
    { op: 'add', field: 'subnets', values: [subnet] },
    { op: 'put-item', field: 'associations', key: ['id'], item: { id: associationId, subnet } });
}

/** The call names only the association: the pipeline finds the table that holds it. */
function disassociateRouteTable({ request }: ApiCall): ChangeDraft[] {
  const associationId = request.get('associationId').requireText();
  return [{
    id: '',
    locate: { field: 'associations', match: { id: associationId } },
    payload: {
      kind: 'delta',
      deltas: [{ op: 'remove-item', field: 'associations', match: { id: associationId }, cascade: SUBNET_CASCADE }],
    },
  }];
}

function replaceRouteTableAssociation({ request, response }: ApiCall): ChangeDraft[] {
  const id = request.get('routeTableId').requireText();
  const associationId = request.get('associationId').requireText();
  const newAssociationId = response.get('newAssociationId').requireText();
  return delta(id, {
    op: 'move-item', field: 'associations', match: { id: associationId },
    set: { id: newAssociationId }, cascade: SUBNET_CASCADE,
  });
}

function propagation(op: 'add' | 'remove'): Extractor {
  return ({ request }) => delta(request.get('routeTableId').requireText(),
    { op, field: 'propagations', values: [request.get('gatewayId').requireText()] });
}

/** Route tables, their routes, associations and propagations, including transit gateway route tables. */
export const routeTableExtractors: Readonly<Record<string, Extractor>> = {
  'ec2:CreateRoute': putRoute,
  'ec2:ReplaceRoute': putRoute,
  'ec2:DeleteRoute': removeRoute,
  'ec2:CreateRouteTable': createRouteTable,
  'ec2:DeleteRouteTable': ({ request }) => [deleted(request.get('routeTableId').requireText())],
  'ec2:AssociateRouteTable': associateRouteTable,
  'ec2:DisassociateRouteTable': disassociateRouteTable,
  'ec2:ReplaceRouteTableAssociation': replaceRouteTableAssociation,
  'ec2:EnableVgwRoutePropagation': propagation('add'),
  'ec2:DisableVgwRoutePropagation': propagation('remove'),
  'ec2:CreateTransitGatewayRoute': putRoute,
  'ec2:ReplaceTransitGatewayRoute': putRoute,
  'ec2:DeleteTransitGatewayRoute': removeRoute,
  'ec2:CreateTransitGatewayRouteTable': createTransitGatewayRouteTable,
  'ec2:DeleteTransitGatewayRouteTable': ({ request }) => [deleted(request.get('transitGatewayRouteTableId').requireText())],
};
