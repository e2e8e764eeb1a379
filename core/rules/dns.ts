import type { Drift } from '../finding.js';
import { isPrivateAddress } from '../private-ranges.js';
import type { DnsForwarding, DnsRecord, DnsZone } from '../resource.js';
import type { Severity } from '../severity.js';
import { added, driftOf, OR_APPROVE, sameList, sameSet, type KindDiffer, type RuleContext, shortName } from './context.js';
import { compareText, InInputOrder, mergeSorted } from './sorted.js';

/** DNS names compare case-insensitively and with or without the trailing dot. */
export function dnsName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** `dnsName` without a new string when the name is already lower case with its trailing dot. */
function nameOf(record: DnsRecord): string {
  const name = record.name;
  return name.endsWith('.') && name.toLowerCase() === name ? name : dnsName(name);
}

/** Record identity order: name (as `dnsName`), then type (upper case), in code-unit order. */
function compareRecords(a: DnsRecord, b: DnsRecord): number {
  return compareText(nameOf(a), nameOf(b)) || compareText(a.type.toUpperCase(), b.type.toUpperCase());
}

/** What a record's findings call their item: its name (as `dnsName`) and type. */
export function recordKey(record: DnsRecord): string {
  return `${dnsName(record.name)} ${record.type.toUpperCase()}`;
}

/**
 * A test for the records whose `recordKey` is one of `keys` (as any cloud compares them: Azure's
 * are lower-cased), that builds no key per record: the name compared as `dnsName`, the type in upper case.
 */
export function recordKeyedBy(keys: Iterable<string>): (record: DnsRecord) => boolean {
  const wanted = [...keys].map((key) => {
    const at = key.lastIndexOf(' ');
    return { name: key.slice(0, at), type: key.slice(at + 1).toUpperCase() };
  });
  return (record) => {
    const name = nameOf(record);
    for (const w of wanted) if (w.name === name && w.type === record.type.toUpperCase()) return true;
    return false;
  };
}

function sameRecord(ctx: RuleContext, a: DnsRecord, b: DnsRecord): boolean {
  return (a.ttl ?? null) === (b.ttl ?? null) && sameSet(ctx.cloud, a.values, b.values);
}

/** Whether two record lists are the same, record for record in the same order (the common case; nothing allocated). */
function sameRecords(a: readonly DnsRecord[], b: readonly DnsRecord[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] as DnsRecord;
    const y = b[i] as DnsRecord;
    if (x.name !== y.name || x.type !== y.type || (x.ttl ?? null) !== (y.ttl ?? null) || x.values.length !== y.values.length) return false;
    for (let v = 0; v < x.values.length; v += 1) if (x.values[v] !== y.values[v]) return false;
  }
  return true;
}

/** Records paired by a sorted merge: added and changed ones in record order, then removed ones. */
function recordDrifts(ctx: RuleContext, zone: DnsZone, baseline: readonly DnsRecord[], observed: readonly DnsRecord[]): Drift[] {
  const drifts = new InInputOrder<Drift>();
  const removed = new InInputOrder<Drift>();
  const show = (r: DnsRecord) => `${r.name} ${r.type} ${r.values.join(', ')}`;
  mergeSorted(baseline, observed, compareRecords, (old, record, oldAt, nowAt) => {
    if (!record) {
      if (!old) return;
      const key = recordKey(old);
      removed.push(oldAt, driftOf(zone, 'dns-record.removed', 'high', {
        item: key, summary: `record ${show(old)} removed from private zone ${zone.name}`,
        hint: `Recreate ${key} in ${zone.name}, ${OR_APPROVE}.`, baseline: old,
      }));
    } else if (!old) {
      const key = recordKey(record);
      drifts.push(nowAt, driftOf(zone, 'dns-record.added', 'medium', {
        item: key, summary: `record ${show(record)} added to private zone ${zone.name}`,
        hint: `Delete ${key} from ${zone.name}, ${OR_APPROVE}.`, observed: record,
      }));
    } else if (!sameRecord(ctx, old, record)) {
      const key = recordKey(record);
      drifts.push(nowAt, driftOf(zone, 'dns-record.changed', 'high', {
        item: key, summary: `record ${key} in private zone ${zone.name} now ${record.values.join(', ')} (was ${old.values.join(', ')})`,
        hint: `Set ${key} back to ${old.values.join(', ')}, ${OR_APPROVE}.`, baseline: old, observed: record,
      }));
    }
  });
  const result: Drift[] = [];
  drifts.drainInto(result);
  removed.drainInto(result);
  return result;
}

function networkDrifts(ctx: RuleContext, zone: DnsZone, baseline: readonly string[], observed: readonly string[]): Drift[] {
  const linked = added(ctx.cloud, baseline, observed).map((network) => driftOf(zone, 'dns-zone.network-linked', 'medium', {
    item: network, summary: `zone ${zone.name} linked to ${shortName(network)}`,
    hint: `Unlink ${shortName(network)} from ${zone.name}, ${OR_APPROVE}.`, observed: network,
  }));
  const unlinked = added(ctx.cloud, observed, baseline).map((network) => driftOf(zone, 'dns-zone.network-unlinked', 'high', {
    item: network, summary: `zone ${zone.name} unlinked from ${shortName(network)}: its names may now resolve publicly there`,
    hint: `Link ${shortName(network)} to ${zone.name} again, ${OR_APPROVE}.`, baseline: network,
  }));
  return [...linked, ...unlinked];
}

/**
 * DNS zones: existence, network links, and (in private zones) records. A zone the baseline
 * lacks is reported once, as created: its links and records are part of what is unreviewed.
 */
export const diffDnsZone: KindDiffer<DnsZone> = (baseline, observed, ctx) => {
  if (baseline && !observed) {
    return [driftOf(baseline, 'dns-zone.deleted', 'high', {
      summary: `${baseline.private ? 'private ' : ''}zone ${baseline.name} deleted`,
      hint: `Recreate ${baseline.name} from the baseline, ${OR_APPROVE}.`, baseline: baseline.name,
    })];
  }
  if (!observed) return [];
  if (!baseline) {
    const links = observed.networks.length > 0 ? ` linked to ${observed.networks.map(shortName).join(', ')}` : '';
    return [driftOf(observed, 'dns-zone.created', 'medium', {
      summary: `${observed.private ? 'private ' : ''}zone ${observed.name} created${links}`,
      hint: `Delete ${observed.name} if nobody meant to create it, ${OR_APPROVE}.`,
      observed: { name: observed.name, private: observed.private, networks: observed.networks },
    })];
  }
  if (sameList(ctx.cloud, baseline.networks, observed.networks) && (!baseline.private || sameRecords(baseline.records, observed.records))) return [];
  const drifts = networkDrifts(ctx, baseline, baseline.networks, observed.networks);
  if (baseline.private) drifts.push(...recordDrifts(ctx, baseline, baseline.records, observed.records));
  return drifts;
};

/** Whether a forwarding sends anything anywhere: it has targets and is applied to a network. */
function forwards(forwarding: DnsForwarding | undefined): boolean {
  return forwarding !== undefined && forwarding.targets.length > 0 && forwarding.networks.length > 0;
}

/**
 * How loud a forwarding change is, by what it does to queries (the bypass is a resolver pointed
 * outside): critical when it now forwards some network's queries outside the private ranges; high
 * when it forwards them to an unreviewed private resolver, or stopped forwarding what the baseline
 * forwarded (those names now go to the default resolver). One that forwards nothing (no targets, or
 * applied to no network) changes no query: medium when its targets are outside (one link away from
 * critical, and a shared AWS rule is linked from other accounts), else low. Once it forwards, the
 * louder finding opens apart (its own item) and alerts.
 */
function forwardingSeverity(baseline: DnsForwarding | undefined, observed: DnsForwarding, outside: readonly string[]): Severity {
  if (forwards(observed)) return outside.length > 0 ? 'critical' : 'high';
  if (forwards(baseline)) return 'high';
  return outside.length > 0 ? 'medium' : 'low';
}

/**
 * Resolver rules, forwarding rulesets and DNS server policies: one appearing, changing or
 * linked to another network. Severity by what it does to queries (`forwardingSeverity`).
 */
export const diffDnsForwarding: KindDiffer<DnsForwarding> = (baseline, observed, ctx) => {
  if (!observed) return [];
  const changes: string[] = [];
  if (!baseline) changes.push(`created${observed.domain ? ` for ${observed.domain}` : ''}`);
  else {
    if (dnsName(baseline.domain ?? '') !== dnsName(observed.domain ?? '')) changes.push(`domain ${observed.domain ?? 'none'}`);
    if (!sameSet(ctx.cloud, baseline.targets, observed.targets)) changes.push(`targets ${observed.targets.join(', ') || 'none'}`);
  }
  const linked = added(ctx.cloud, baseline?.networks ?? [], observed.networks);
  if (linked.length > 0) changes.push(`linked to ${linked.map(shortName).join(', ')}`);
  if (changes.length === 0) return [];
  const outside = observed.targets.filter((t) => !isPrivateAddress(t));
  const forwarding = baseline ?? observed;
  const severity = forwardingSeverity(baseline, observed, outside);
  const inert = !forwards(observed) && !forwards(baseline);
  const why = inert ? ` — forwards nothing (${observed.targets.length === 0 ? 'no targets' : 'applied to no network'})` : '';
  return [driftOf(forwarding, 'dns-forwarding.changed', severity, {
    // Its own item, so that once it forwards something the louder finding opens (and alerts) apart from it.
    ...(inert ? { item: 'forwards-nothing' } : {}),
    summary: `DNS forwarding ${shortName(forwarding.id)} ${changes.join('; ')}${outside.length > 0 ? ` — forwards to ${outside.join(', ')} outside private ranges` : ''}${why}`,
    hint: baseline ? `Restore ${shortName(forwarding.id)} from the baseline, ${OR_APPROVE}.` : `Delete ${shortName(forwarding.id)} if nobody meant to create it, ${OR_APPROVE}.`,
    ...(baseline ? { baseline: { domain: baseline.domain, targets: baseline.targets, networks: baseline.networks } } : {}),
    observed: { domain: observed.domain, targets: observed.targets, networks: observed.networks },
  })];
};
