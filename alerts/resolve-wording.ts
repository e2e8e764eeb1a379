/**
 * What a resolved finding says the resource is now (pure). A resolve means the finding's item is
 * back to its baseline, so each rule states the baseline side of its drift, in the present tense:
 * `route 0.0.0.0/0 on rtb-0a1 points to nat:nat-01 again, as in the baseline`. The finding's own
 * `summary` still describes the drift that opened it ("now points to internet"): on its own under a
 * "Resolved" title it reads as if the problem were still there.
 */
import type { Finding, RuleId } from '../core/finding.js';
import { describeTarget, shortName } from '../core/rules/context.js';
import type { RouteTarget } from '../core/resource.js';

const AS_BASELINE = 'as in the baseline';

interface RouteValue { destination: string; target: RouteTarget; name?: string }
interface RecordValue { name: string; type: string; values: unknown[] }

function asRoute(value: unknown): RouteValue | undefined {
  const route = value as Partial<RouteValue> | undefined;
  return typeof route?.destination === 'string' && typeof route.target?.type === 'string' ? route as RouteValue : undefined;
}

function asRecord(value: unknown): RecordValue | undefined {
  const record = value as Partial<RecordValue> | undefined;
  return typeof record?.name === 'string' && typeof record.type === 'string' && Array.isArray(record.values) ? record as RecordValue : undefined;
}

function asText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function list(value: unknown): string {
  return Array.isArray(value) && value.length > 0 ? value.map((v) => shortName(String(v))).join(', ') : 'none';
}

/** The resource as the summaries name it: `route table rtb-0a1`, `NAT gateway nat-01`. */
const NOUN: Readonly<Record<Finding['kind'], string>> = {
  'route-table': 'route table',
  'nat-gateway': 'NAT gateway',
  'private-endpoint': 'private endpoint',
  'internet-gateway': 'internet gateway',
  'dns-zone': 'zone',
  'dns-forwarding': 'DNS forwarding',
  subnet: 'subnet',
  peering: 'peering',
};

function named(finding: Finding): string {
  return `${NOUN[finding.kind]} ${shortName(finding.resource)}`;
}

/** `route 0.0.0.0/0 (default-egress)`: the destination, and the name that identifies it on GCP and Azure. */
function routeName(route: RouteValue | undefined, finding: Finding): string {
  if (!route) return `route ${finding.item}`;
  return route.name && route.name !== route.destination ? `route ${route.destination} (${route.name})` : `route ${route.destination}`;
}

function recordText(record: RecordValue | undefined, finding: Finding): string {
  return record ? `record ${record.name} ${record.type}` : `record ${finding.item}`;
}

/** `private DNS on, subnets s-1, s-2` from an endpoint view (`service`, `privateDns`, `subnets`). */
function endpointState(value: unknown): string {
  const view = (value ?? {}) as { service?: unknown; privateDns?: unknown; subnets?: unknown };
  const parts = [`service ${String(view.service ?? 'unknown')}`, `private DNS ${view.privateDns ? 'on' : 'off'}`];
  if (Array.isArray(view.subnets)) parts.push(`subnets ${list(view.subnets)}`);
  return parts.join(', ');
}

type Wording = (finding: Finding) => string;

/** By rule: the resource as it is now that the drift is gone. One line each, no trailing period. */
const NOW: Readonly<Record<RuleId, Wording>> = {
  'route.default-added': (f) => `${routeName(asRoute(f.observed), f)} is gone from ${shortName(f.resource)}, ${AS_BASELINE}`,
  'route.added': (f) => `${routeName(asRoute(f.observed), f)} is gone from ${shortName(f.resource)}, ${AS_BASELINE}`,
  'route.target-changed': (f) => {
    const route = asRoute(f.baseline);
    const to = route ? `points to ${describeTarget(route.target)} again` : 'has its baseline target again';
    return `${routeName(route, f)} on ${shortName(f.resource)} ${to}, ${AS_BASELINE}`;
  },
  'route.removed': (f) => {
    const route = asRoute(f.baseline);
    return `${routeName(route, f)}${route ? ` → ${describeTarget(route.target)}` : ''} is back on ${shortName(f.resource)}, ${AS_BASELINE}`;
  },
  'route-table.association-changed': (f) => (f.baseline !== undefined
    ? `subnet ${shortName(String(f.baseline))} is associated with ${shortName(f.resource)} again, ${AS_BASELINE}`
    : `subnet ${shortName(f.item)} is no longer associated with ${shortName(f.resource)}, ${AS_BASELINE}`),
  'route-table.propagation-changed': (f) => (f.baseline !== undefined
    ? `route propagation from ${shortName(String(f.baseline))} is on again on ${shortName(f.resource)}, ${AS_BASELINE}`
    : `route propagation from ${shortName(f.item)} is off again on ${shortName(f.resource)}, ${AS_BASELINE}`),
  'route-table.created': (f) => `${named(f)} no longer exists, ${AS_BASELINE}`,
  'route-table.deleted': (f) => `${named(f)} exists again, ${AS_BASELINE}`,
  'internet-gateway.attached': (f) => `${named(f)} is no longer attached to ${shortName(f.item)}, ${AS_BASELINE}`,
  'internet-gateway.detached': (f) => `${named(f)} is attached to ${shortName(f.item)} again, ${AS_BASELINE}`,
  'nat.created': (f) => `${named(f)} no longer exists, ${AS_BASELINE}`,
  'nat.deleted': (f) => `${named(f)} exists again, ${AS_BASELINE}`,
  'nat.changed': (f) => {
    const nat = (f.baseline ?? {}) as { subnets?: unknown; publicIps?: unknown };
    return `${named(f)} has its baseline subnets (${list(nat.subnets)}) and public IPs (${list(nat.publicIps)}) again`;
  },
  'private-endpoint.deleted': (f) => `${named(f)} exists again (${endpointState(f.baseline)}), ${AS_BASELINE}`,
  'private-endpoint.changed': (f) => `${named(f)} is back to ${endpointState(f.baseline)}, ${AS_BASELINE}`,
  'private-endpoint.created': (f) => `${named(f)} no longer exists, ${AS_BASELINE}`,
  'dns-zone.deleted': (f) => `zone ${asText(f.baseline) ?? shortName(f.resource)} exists again, ${AS_BASELINE}`,
  'dns-zone.created': (f) => {
    const name = asText((f.observed as { name?: unknown } | undefined)?.name);
    return `zone ${name ?? shortName(f.resource)} no longer exists, ${AS_BASELINE}`;
  },
  'dns-zone.network-unlinked': (f) => `${named(f)} is linked to ${shortName(f.item)} again, ${AS_BASELINE}`,
  'dns-zone.network-linked': (f) => `${named(f)} is no longer linked to ${shortName(f.item)}, ${AS_BASELINE}`,
  'dns-record.changed': (f) => {
    const record = asRecord(f.baseline);
    return `${recordText(record, f)} in ${named(f)} is ${record ? record.values.map(String).join(', ') : 'its baseline value'} again, ${AS_BASELINE}`;
  },
  'dns-record.removed': (f) => `${recordText(asRecord(f.baseline), f)} is back in ${named(f)}, ${AS_BASELINE}`,
  'dns-record.added': (f) => `${recordText(asRecord(f.observed), f)} is gone from ${named(f)}, ${AS_BASELINE}`,
  'dns-forwarding.changed': (f) => {
    const was = f.baseline as { targets?: unknown; networks?: unknown } | undefined;
    // One that forwarded nothing also resolves when it starts forwarding: that opens a finding of its own.
    if (!was) return f.item === 'forwards-nothing' ? `${named(f)} no longer exists, or now forwards queries (reported apart)` : `${named(f)} no longer exists, ${AS_BASELINE}`;
    if (!Array.isArray(was.targets) || !Array.isArray(was.networks) || !was.targets.length || !was.networks.length) return `${named(f)} matches its baseline again`;
    return `${named(f)} forwards to ${list(was.targets)} for ${list(was.networks)} again, ${AS_BASELINE}`;
  },
  'subnet.private-access-changed': (f) => `private Google access is ${f.baseline === true ? 'on' : 'off'} again on ${named(f)}, ${AS_BASELINE}`,
  'peering.added': (f) => `${named(f)} to ${shortName(f.item)} is gone, ${AS_BASELINE}`,
  'peering.removed': (f) => `${named(f)} with ${shortName(f.item)} is back, ${AS_BASELINE}`,
  'change.unverified': (f) => `${named(f)} was read back and matches its baseline`,
  'netdrift.misconfigured': (f) => `netdrift checks ${f.cloud} ${f.account} again`,
};

/**
 * What a resolved finding's resource is now, one line without a trailing period:
 * `route 0.0.0.0/0 on rtb-0a1 points to nat:nat-01 again, as in the baseline`.
 */
export function resolvedState(finding: Finding): string {
  return NOW[finding.rule](finding);
}
