import type { Finding } from '../core/finding.js';
import type { Cloud, ResourceKind } from '../core/resource.js';
import { wellFormed } from '../core/safe-text.js';

/**
 * Deep links into each cloud's console for the resource a finding is on (pure).
 * One table per cloud, one row per resource kind.
 */

type LinkBuilder = (id: string, region: string, account: string) => string;

/** `encodeURIComponent` that cannot throw: a lone surrogate (which makes it throw `URI malformed`) becomes U+FFFD. */
function component(text: string): string {
  return encodeURIComponent(wellFormed(text));
}

/** Route 53 is global; its console, like its events, lives in us-east-1. */
const AWS_GLOBAL_REGION = 'us-east-1';

function awsRegion(region: string): string {
  return component(region && region !== 'global' ? region : AWS_GLOBAL_REGION);
}

function vpcConsole(fragment: (id: string) => string): LinkBuilder {
  return (id, region) => {
    const r = awsRegion(region);
    return `https://${r}.console.aws.amazon.com/vpcconsole/home?region=${r}#${fragment(component(id))}`;
  };
}

const AWS_LINKS: Readonly<Record<ResourceKind, LinkBuilder>> = {
  'route-table': vpcConsole((id) => id.startsWith('tgw-rtb-')
    ? `TransitGatewayRouteTables:transitGatewayRouteTableId=${id}`
    : `RouteTableDetails:RouteTableId=${id}`),
  'nat-gateway': vpcConsole((id) => `NatGatewayDetails:natGatewayId=${id}`),
  'private-endpoint': vpcConsole((id) => `EndpointDetails:vpcEndpointId=${id}`),
  'internet-gateway': vpcConsole((id) => id.startsWith('eigw-')
    ? `EgressOnlyInternetGateways:egressOnlyInternetGatewayId=${id}`
    : `InternetGateway:internetGatewayId=${id}`),
  subnet: vpcConsole((id) => `SubnetDetails:subnetId=${id}`),
  peering: vpcConsole((id) => `PeeringConnectionDetails:VpcPeeringConnectionId=${id}`),
  'dns-zone': (id) => {
    const zone = component(id.replace(/^\/?hostedzone\//, ''));
    return `https://${AWS_GLOBAL_REGION}.console.aws.amazon.com/route53/v2/hostedzones?region=${AWS_GLOBAL_REGION}#ListRecordSets/${zone}`;
  },
  // The resolver console's rule list; it filters by the rule id shown in the alert.
  'dns-forwarding': (_id, region) => {
    const r = awsRegion(region);
    return `https://${r}.console.aws.amazon.com/route53resolver/home?region=${r}#/rules`;
  },
};

/** The value after `name` in a path like `projects/P/regions/R/routers/X`, if present. */
function segmentAfter(path: string, name: string): string | undefined {
  const parts = path.split('/');
  const at = parts.indexOf(name);
  return at >= 0 ? parts[at + 1] : undefined;
}

function gcpConsole(path: string, project: string): string {
  return `https://console.cloud.google.com/${path}?project=${component(project)}`;
}

function gcpProject(id: string, account: string): string {
  return segmentAfter(id, 'projects') ?? account;
}

const seg = (value: string | undefined): string => component(value ?? '');

const GCP_LINKS: Readonly<Record<ResourceKind, LinkBuilder>> = {
  'route-table': (id, _r, account) => {
    const network = segmentAfter(id, 'networks');
    return gcpConsole(network ? `networking/networks/details/${seg(network)}` : 'networking/routes/list', gcpProject(id, account));
  },
  'nat-gateway': (id, region, account) => {
    const router = segmentAfter(id, 'routers');
    const nat = segmentAfter(id, 'nats');
    const where = segmentAfter(id, 'regions') ?? region;
    return gcpConsole(router && nat ? `net-services/nat/details/${seg(where)}/${seg(router)}/${seg(nat)}` : 'net-services/nat/list',
      gcpProject(id, account));
  },
  'private-endpoint': (id, _r, account) => gcpConsole('net-services/psc/list/consumers', gcpProject(id, account)),
  'internet-gateway': (id, _r, account) => gcpConsole('networking/routes/list', gcpProject(id, account)),
  subnet: (id, region, account) => {
    const subnet = segmentAfter(id, 'subnetworks');
    const where = segmentAfter(id, 'regions') ?? region;
    return gcpConsole(subnet ? `networking/subnetworks/details/${seg(where)}/${seg(subnet)}` : 'networking/networks/list',
      gcpProject(id, account));
  },
  peering: (id, _r, account) => gcpConsole('networking/peering/list', gcpProject(id, account)),
  'dns-zone': (id, _r, account) => {
    const zone = segmentAfter(id, 'managedZones');
    return gcpConsole(zone ? `net-services/dns/zones/${seg(zone)}/details` : 'net-services/dns/zones', gcpProject(id, account));
  },
  'dns-forwarding': (id, _r, account) => {
    // Forwarding is either a DNS server policy or a forwarding zone.
    const zone = segmentAfter(id, 'managedZones');
    return gcpConsole(zone ? `net-services/dns/zones/${seg(zone)}/details` : 'net-services/dns/policies', gcpProject(id, account));
  },
};

/** Every Azure resource opens the same way: the portal's resource blade by ARM id. */
function azureLink(id: string): string {
  const armId = id.startsWith('/') ? id : `/${id}`;
  return `https://portal.azure.com/#@/resource${encodeURI(wellFormed(armId))}`;
}

const CONSOLE_LINKS: Readonly<Record<Cloud, (finding: Finding) => string>> = {
  aws: (f) => AWS_LINKS[f.kind](f.resource, f.region, f.account),
  azure: (f) => azureLink(f.resource),
  gcp: (f) => GCP_LINKS[f.kind](f.resource, f.region, f.account),
};

/**
 * A link to the finding's resource in its cloud's console, e.g.
 * `https://eu-west-1.console.aws.amazon.com/vpcconsole/home?region=eu-west-1#RouteTableDetails:RouteTableId=rtb-0a1`.
 * Global AWS resources open in us-east-1. Undefined when the finding names no resource.
 */
export function consoleUrl(finding: Finding): string | undefined {
  // netdrift.misconfigured is about netdrift's setup for a whole account, not a resource of it.
  if (!finding.resource || finding.rule === 'netdrift.misconfigured') return undefined;
  // A link is a convenience: a finding stored before its text was made safe, or of an unknown kind, has none.
  try {
    return CONSOLE_LINKS[finding.cloud]?.(finding);
  } catch {
    return undefined;
  }
}

const CONSOLE_NAMES: Readonly<Record<Cloud, string>> = {
  aws: 'AWS console',
  azure: 'Azure portal',
  gcp: 'Google Cloud console',
};

/** The text of a console link: `Open in AWS console`. */
export function consoleLinkLabel(cloud: Cloud): string {
  return `Open in ${CONSOLE_NAMES[cloud]}`;
}
