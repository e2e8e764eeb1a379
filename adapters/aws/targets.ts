import type { RouteTarget, TargetType } from '../../core/resource.js';

/**
 * EC2 route fields in any spelling AWS uses: CloudTrail's camelCase (`gatewayId`), the SDK's
 * PascalCase (`GatewayId`), or a wrapped request's query names. Values that are not strings are ignored.
 */
export type AwsRouteFields = Readonly<Record<string, unknown>>;

/** DESIGN.md "Snapshot format": the target type of an AWS route, by the prefix of the target's id. */
const TYPE_BY_PREFIX: readonly (readonly [string, TargetType])[] = [
  ['igw-', 'internet'], ['eigw-', 'internet'], ['cagw-', 'internet'],
  ['nat-', 'nat'], ['vgw-', 'vpn'], ['pcx-', 'peering'], ['tgw-', 'transit'],
  ['vpce-', 'private-endpoint'], ['eni-', 'appliance'],
];

/**
 * The target fields of an EC2 or transit gateway route, in the order they are looked at, with the
 * type to use when the id has no known prefix. An instance route carries both `instanceId` and
 * `networkInterfaceId` when described; the instance is named first so an event and a live read agree.
 */
const TARGET_FIELDS: readonly (readonly [string, TargetType])[] = [
  ['gatewayId', 'other'],
  ['natGatewayId', 'nat'],
  ['egressOnlyInternetGatewayId', 'internet'],
  ['carrierGatewayId', 'internet'],
  ['transitGatewayId', 'transit'],
  ['transitGatewayAttachmentId', 'transit'],
  ['vpcPeeringConnectionId', 'peering'],
  ['instanceId', 'appliance'],
  ['networkInterfaceId', 'appliance'],
  ['vpcEndpointId', 'private-endpoint'],
  ['localGatewayId', 'other'],
  ['coreNetworkArn', 'other'],
];

const DESTINATION_FIELDS = ['destinationCidrBlock', 'destinationIpv6CidrBlock', 'destinationPrefixListId'];

function stringField(fields: AwsRouteFields, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(fields)) {
    if (key.toLowerCase() === wanted && typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return undefined;
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

/**
 * The snapshot format's `{ type, id }` for an EC2 or transit gateway route, from its fields
 * (camelCase or PascalCase). A blackhole route (`blackhole: true`, or a route with no target
 * whose `state` is `blackhole`) is `{ type: 'blackhole' }`; `gatewayId: "local"` is `{ type: 'local' }`.
 */
export function routeTargetFromAws(fields: AwsRouteFields): RouteTarget {
  const flag = Object.entries(fields).find(([key]) => key.toLowerCase() === 'blackhole');
  if (flag && isTrue(flag[1])) return { type: 'blackhole' };
  for (const [field, fallback] of TARGET_FIELDS) {
    const id = stringField(fields, field);
    if (id === undefined) continue;
    if (id === 'local') return { type: 'local' };
    const byPrefix = TYPE_BY_PREFIX.find(([prefix]) => id.startsWith(prefix));
    return { type: byPrefix ? byPrefix[1] : fallback, id };
  }
  if (stringField(fields, 'state') === 'blackhole') return { type: 'blackhole' };
  return { type: 'other' };
}

/** A route's destination: its IPv4 CIDR, IPv6 CIDR or prefix list id, whichever it has. */
export function routeDestination(fields: AwsRouteFields): string | undefined {
  for (const field of DESTINATION_FIELDS) {
    const destination = stringField(fields, field);
    if (destination !== undefined) return destination;
  }
  return undefined;
}
