import { z } from 'zod';
import { asIsCheck } from './schema-check.js';

/**
 * The resources netdrift watches, in the shape of the `netdrift/snapshot@1` format
 * (DESIGN.md, "Snapshot format"). Extra fields are allowed and kept.
 */
export const CLOUDS = ['aws', 'azure', 'gcp'] as const;
export const CloudSchema = z.enum(CLOUDS);
export type Cloud = z.infer<typeof CloudSchema>;

export const TARGET_TYPES = [
  'local', 'internet', 'nat', 'private-endpoint', 'peering', 'transit', 'vpn', 'appliance', 'blackhole', 'other',
] as const;
export const TargetTypeSchema = z.enum(TARGET_TYPES);
export type TargetType = z.infer<typeof TargetTypeSchema>;

export const RouteTargetSchema = z.looseObject({
  type: TargetTypeSchema,
  id: z.string().optional(),
});
export type RouteTarget = z.infer<typeof RouteTargetSchema>;

export const RouteSchema = z.looseObject({
  destination: z.string().min(1),
  target: RouteTargetSchema,
  /** Required on GCP and Azure: a route's identity there. AWS routes are identified by destination. */
  name: z.string().optional(),
  priority: z.number().optional(),
  tags: z.array(z.string()).optional(),
});
export type Route = z.infer<typeof RouteSchema>;

export const DnsRecordSchema = z.looseObject({
  name: z.string().min(1),
  type: z.string().min(1),
  ttl: z.number().optional(),
  values: z.array(z.string()),
});
export type DnsRecord = z.infer<typeof DnsRecordSchema>;

const base = {
  id: z.string().min(1),
  region: z.string().min(1),
};

export const RouteTableSchema = z.looseObject({
  kind: z.literal('route-table'),
  ...base,
  network: z.string().optional(),
  routes: z.array(RouteSchema),
  subnets: z.array(z.string()).default([]),
  main: z.boolean().optional(),
  associations: z.array(z.looseObject({ id: z.string(), subnet: z.string().optional() })).optional(),
  propagations: z.array(z.string()).optional(),
});

export const NatGatewaySchema = z.looseObject({
  kind: z.literal('nat-gateway'),
  ...base,
  network: z.string().optional(),
  subnets: z.array(z.string()).default([]),
  publicIps: z.array(z.string()).default([]),
});

export const PrivateEndpointSchema = z.looseObject({
  kind: z.literal('private-endpoint'),
  ...base,
  network: z.string().optional(),
  service: z.string(),
  privateDns: z.boolean().optional(),
  policy: z.string().optional(),
  subnets: z.array(z.string()).optional(),
});

export const InternetGatewaySchema = z.looseObject({
  kind: z.literal('internet-gateway'),
  ...base,
  /** The network it is attached to; absent when detached. */
  network: z.string().optional(),
});

export const DnsZoneSchema = z.looseObject({
  kind: z.literal('dns-zone'),
  ...base,
  name: z.string().min(1),
  private: z.boolean(),
  networks: z.array(z.string()).default([]),
  records: z.array(DnsRecordSchema).default([]),
});

export const DnsForwardingSchema = z.looseObject({
  kind: z.literal('dns-forwarding'),
  ...base,
  domain: z.string().optional(),
  targets: z.array(z.string()).default([]),
  networks: z.array(z.string()).default([]),
});

export const SubnetSchema = z.looseObject({
  kind: z.literal('subnet'),
  ...base,
  network: z.string().optional(),
  privateAccess: z.boolean().optional(),
});

export const PeeringSchema = z.looseObject({
  kind: z.literal('peering'),
  ...base,
  network: z.string().optional(),
  peerNetwork: z.string().min(1),
});

export const ResourceSchema = z.discriminatedUnion('kind', [
  RouteTableSchema, NatGatewaySchema, PrivateEndpointSchema, InternetGatewaySchema,
  DnsZoneSchema, DnsForwardingSchema, SubnetSchema, PeeringSchema,
]);

export type Resource = z.infer<typeof ResourceSchema>;

const resourceAsIs = asIsCheck(ResourceSchema);

/**
 * `ResourceSchema.safeParse`, except that a value already in the schema's form (as netdrift writes
 * every resource) is returned as it is rather than copied: a big snapshot is read resource by resource.
 */
export function safeParseResource(value: unknown): z.ZodSafeParseResult<Resource> {
  return resourceAsIs(value) ? { success: true, data: value as Resource } : ResourceSchema.safeParse(value);
}
export type ResourceKind = Resource['kind'];
export type ResourceOf<K extends ResourceKind> = Extract<Resource, { kind: K }>;
export type RouteTable = ResourceOf<'route-table'>;
export type NatGateway = ResourceOf<'nat-gateway'>;
export type PrivateEndpoint = ResourceOf<'private-endpoint'>;
export type InternetGateway = ResourceOf<'internet-gateway'>;
export type DnsZone = ResourceOf<'dns-zone'>;
export type DnsForwarding = ResourceOf<'dns-forwarding'>;
export type Subnet = ResourceOf<'subnet'>;
export type Peering = ResourceOf<'peering'>;

export const RESOURCE_KINDS: readonly ResourceKind[] = [
  'route-table', 'nat-gateway', 'private-endpoint', 'internet-gateway',
  'dns-zone', 'dns-forwarding', 'subnet', 'peering',
];

/** Which array fields of each kind are sets (sorted in canonical form, compared as sets). */
export const SET_FIELDS: Readonly<Record<ResourceKind, readonly string[]>> = {
  'route-table': ['subnets', 'propagations'],
  'nat-gateway': ['subnets', 'publicIps'],
  'private-endpoint': ['subnets'],
  'internet-gateway': [],
  'dns-zone': ['networks'],
  'dns-forwarding': ['targets', 'networks'],
  subnet: [],
  peering: [],
};

/** Where a resource lives: the account it belongs to. */
export interface Scope {
  cloud: Cloud;
  /** AWS account id, Azure subscription id, GCP project id. */
  account: string;
}

/** The identity of one resource in one account. */
export interface ResourceRef extends Scope {
  kind: ResourceKind;
  id: string;
  region: string;
}

/**
 * The id as compared and fingerprinted: Azure ARM ids are case-insensitive
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules).
 */
export function normalizeId(cloud: Cloud, id: string): string {
  return cloud === 'azure' ? id.toLowerCase() : id;
}

/** A key for a resource that is stable across the ways a provider spells its id. */
export function resourceKey(ref: Scope & { kind: ResourceKind; id: string }): string {
  return resourceKeyOf(ref, ref.kind, ref.id);
}

/** `resourceKey` without building an object first (hot paths: a spread costs microseconds on Node 20). */
export function resourceKeyOf(scope: Scope, kind: ResourceKind, id: string): string {
  return `${scope.cloud}/${scope.account}/${kind}/${normalizeId(scope.cloud, id)}`;
}
