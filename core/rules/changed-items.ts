import type { Drift, RuleId } from '../finding.js';
import type { FindingSelection } from '../ports.js';
import { normalizeId, type Cloud, type DnsRecord, type Resource, type Route } from '../resource.js';
import { recordKey, recordKeyedBy } from './dns.js';
import type { RuleContext } from './context.js';
import { diffResource } from './index.js';

/** A kind's list of items judged one by one: the field, what a finding calls an item, and the rules that judge them. */
interface ItemList {
  field: 'routes' | 'records';
  item: (value: never) => string;
  /** A test for the items whose `item` (as the cloud compares ids) is one of `keys`. */
  keyedBy: (cloud: Cloud, keys: ReadonlySet<string>) => (value: never) => boolean;
  rules: readonly RuleId[];
}

const ROUTES: ItemList = {
  field: 'routes',
  item: (route: Route) => route.name ?? route.destination,
  keyedBy: (cloud, keys) => (cloud === 'azure'
    ? (route: Route) => keys.has(normalizeId(cloud, route.name ?? route.destination))
    : (route: Route) => keys.has(route.name ?? route.destination)),
  rules: ['route.default-added', 'route.target-changed', 'route.added', 'route.removed'],
};
const RECORDS: ItemList = {
  field: 'records',
  item: (record: DnsRecord) => recordKey(record),
  keyedBy: (_cloud, keys) => recordKeyedBy(keys),
  rules: ['dns-record.changed', 'dns-record.removed', 'dns-record.added'],
};

/** The drifts of the items an event changed, and which open findings they are to be compared with. */
export interface ChangedItems {
  /** The drifts the resource has now on the items that changed, and on everything else it has but items. */
  drifts: Drift[];
  /** Whether an open finding is one `drifts` decides on: not one on an item the event left as it was. */
  covers: (finding: { rule: RuleId; item: string }) => boolean;
  /** The same as a store can narrow its read by: the open findings `covers` accepts. */
  only: FindingSelection;
  /** Whether a drift is on something the event changed (its finding then carries the event's id). */
  touches: (drift: Drift) => boolean;
}

/**
 * The keys (as the cloud compares ids) of the items that differ between two versions of a list:
 * a walk by identity, since a delta shares the items it leaves alone. An item put, removed or
 * replaced anywhere is found; lists that share nothing (a live read) yield every key, which is
 * still right, only not cheaper. Returns undefined when they share no item at all.
 */
function changedKeys(cloud: Cloud, before: readonly unknown[], after: readonly unknown[], item: (value: unknown) => string): Set<string> | undefined {
  const keys = new Set<string>();
  const add = (value: unknown) => keys.add(normalizeId(cloud, item(value)));
  let shared = 0;
  let i = 0;
  let j = 0;
  while (i < before.length && j < after.length) {
    if (before[i] === after[j]) { shared += 1; i += 1; j += 1; }
    else if (before[i] === after[j + 1]) { add(after[j]); j += 1; }
    else if (before[i + 1] === after[j]) { add(before[i]); i += 1; }
    else { add(before[i]); add(after[j]); i += 1; j += 1; }
  }
  for (; i < before.length; i += 1) add(before[i]);
  for (; j < after.length; j += 1) add(after[j]);
  return shared === 0 && (before.length > 0 || after.length > 0) ? undefined : keys;
}

/**
 * The resource with only the items of `list` whose key is in `keys` (everything else kept).
 * `Object.assign`, not spread: on Node 20 each property after a spread costs microseconds.
 */
function only(cloud: Cloud, resource: Resource, list: ItemList, keys: ReadonlySet<string>): Resource {
  const items = (resource as unknown as Record<string, unknown>)[list.field];
  if (!Array.isArray(items)) return resource;
  const keyed = list.keyedBy(cloud, keys) as (value: unknown) => boolean;
  return Object.assign({}, resource, { [list.field]: items.filter(keyed) });
}

/**
 * The drifts an event can have changed, judged by the same rules as `diffResource`: those of the
 * items of a route table (routes) or private zone (records) that differ between the state before
 * the event and after it, and all the rest of the resource (its subnets, propagations, links).
 * Open findings on items the event left as they were are not compared: settled against this
 * baseline by an earlier event, they still hold. So the cost of an event grows with what it
 * changed, not with the findings already open on the resource.
 *
 * Undefined where the whole resource is to be compared (`diffResource`): a resource created or
 * deleted (or absent from the baseline), a kind without such a list, states that share no item
 * (read afresh), or an event that changed nothing the rules see (a repeat, which touches every
 * open finding).
 */
export function diffChangedItems(
  baseline: Resource | undefined, before: Resource | undefined, after: Resource | undefined, ctx: RuleContext,
): ChangedItems | undefined {
  if (!baseline || !before || !after || before.kind !== baseline.kind || after.kind !== baseline.kind) return undefined;
  const list = baseline.kind === 'route-table' ? ROUTES : baseline.kind === 'dns-zone' && baseline.private ? RECORDS : undefined;
  if (!list) return undefined;
  const field = (r: Resource) => (r as unknown as Record<string, unknown>)[list.field];
  const was = field(before);
  const now = field(after);
  if (!Array.isArray(was) || !Array.isArray(now)) return undefined;
  const keys = changedKeys(ctx.cloud, was, now, list.item as (value: unknown) => string);
  if (!keys) return undefined;
  const changed = diffResource(only(ctx.cloud, before, list, keys), only(ctx.cloud, after, list, keys), ctx);
  if (changed.length === 0) return undefined;
  const touched = new Set(changed.map((d) => normalizeId(ctx.cloud, d.item)));
  return {
    drifts: diffResource(only(ctx.cloud, baseline, list, keys), only(ctx.cloud, after, list, keys), ctx),
    covers: (finding) => !list.rules.includes(finding.rule) || keys.has(normalizeId(ctx.cloud, finding.item)),
    only: { itemRules: list.rules, items: [...keys] },
    touches: (drift) => touched.has(normalizeId(ctx.cloud, drift.item)),
  };
}
