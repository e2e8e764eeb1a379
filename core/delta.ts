import type { Cascade, Delta } from './change.js';
import type { Resource, ResourceKind } from './resource.js';

type Item = Record<string, unknown>;
type Fields = Record<string, unknown>;

/** Deltas after `move-item` has been resolved by the pipeline into a put here and a remove at the source. */
export type AppliedDelta = Exclude<Delta, { op: 'move-item' }>;

/**
 * A test for the items matching `match` (its entries taken once, not per item: an item list is
 * scanned on every event that puts or removes one of its items).
 */
function matcher(match: Item, sameText: (a: string, b: string) => boolean, caseInsensitive: boolean): (item: unknown) => boolean {
  const keys = Object.keys(match);
  const expected = keys.map((key) => match[key]);
  const [only] = keys;
  if (keys.length === 1 && only !== undefined && !caseInsensitive) {
    // The common case (a route by destination or name): one property compared, nothing called per item.
    const wanted = expected[0];
    return (item) => typeof item === 'object' && item !== null && (item as Item)[only] === wanted;
  }
  return (item) => {
    if (typeof item !== 'object' || item === null) return false;
    for (let k = 0; k < keys.length; k += 1) {
      const actual = (item as Item)[keys[k] as string];
      const wanted = expected[k];
      if (!(typeof actual === 'string' && typeof wanted === 'string' ? sameText(actual, wanted) : actual === wanted)) return false;
    }
    return true;
  };
}

function listOf(fields: Fields, field: string): unknown[] {
  const value = fields[field];
  return Array.isArray(value) ? value : [];
}

function removeFromSet(fields: Fields, field: string, values: readonly string[], sameText: (a: string, b: string) => boolean): void {
  fields[field] = listOf(fields, field).filter((v) => !values.some((r) => typeof v === 'string' && sameText(v, r)));
}

function addToSet(fields: Fields, field: string, values: readonly string[], sameText: (a: string, b: string) => boolean): void {
  const current = listOf(fields, field);
  const missing = values.filter((v) => !current.some((c) => typeof c === 'string' && sameText(c, v)));
  fields[field] = [...current, ...missing];
}

function cascadeValues(items: unknown[], cascade: Cascade): string[] {
  return items
    .map((item) => (typeof item === 'object' && item !== null ? (item as Item)[cascade.property] : undefined))
    .filter((v): v is string => typeof v === 'string');
}

/**
 * Applies payload deltas to a resource's last observed state, returning a new resource.
 * Neither the input nor the deltas are mutated: every changed field gets a new array or value,
 * unchanged ones are shared (states and deltas are treated as immutable throughout).
 * `caseInsensitive` compares ids and names as Azure does.
 */
export function applyDeltas(state: Resource, deltas: readonly AppliedDelta[], caseInsensitive = false): Resource {
  const sameText = caseInsensitive
    ? (a: string, b: string) => a.toLowerCase() === b.toLowerCase()
    : (a: string, b: string) => a === b;
  const fields: Fields = { ...state };
  for (const delta of deltas) {
    switch (delta.op) {
      case 'put-item': {
        const matches = matcher(Object.fromEntries(delta.key.map((k) => [k, delta.item[k]])), sameText, caseInsensitive);
        const next: unknown[] = [];
        for (const item of listOf(fields, delta.field)) if (!matches(item)) next.push(item);
        next.push(delta.item);
        fields[delta.field] = next;
        break;
      }
      case 'remove-item': {
        const matches = matcher(delta.match, sameText, caseInsensitive);
        const kept: unknown[] = [];
        const removed: unknown[] = [];
        for (const item of listOf(fields, delta.field)) (matches(item) ? removed : kept).push(item);
        fields[delta.field] = kept;
        if (delta.cascade) removeFromSet(fields, delta.cascade.field, cascadeValues(removed, delta.cascade), sameText);
        break;
      }
      case 'add':
        addToSet(fields, delta.field, delta.values, sameText);
        break;
      case 'remove':
        removeFromSet(fields, delta.field, delta.values, sameText);
        break;
      case 'set':
        if (delta.value === undefined) delete fields[delta.field];
        else fields[delta.field] = delta.value;
        break;
    }
  }
  return fields as unknown as Resource;
}

/** The item of `field` in `state` matching `match`, if any (used to locate and move items). */
export function findItem(state: Resource, field: string, match: Item, caseInsensitive = false): Item | undefined {
  const sameText = caseInsensitive
    ? (a: string, b: string) => a.toLowerCase() === b.toLowerCase()
    : (a: string, b: string) => a === b;
  return listOf(state as unknown as Fields, field).find(matcher(match, sameText, caseInsensitive)) as Item | undefined;
}

/**
 * The state a delta is applied to when nothing is known of a resource yet (the baseline lacks it
 * and nothing was observed): an empty resource of its kind, where the kind has no required
 * field a delta could not supply. Kinds that need one (a zone's privacy, an endpoint's service,
 * a peering's peer) return undefined: their change is unverified.
 */
export function emptyResource(kind: ResourceKind, id: string, region: string): Resource | undefined {
  switch (kind) {
    case 'route-table': return { kind, id, region, routes: [], subnets: [] };
    case 'nat-gateway': return { kind, id, region, subnets: [], publicIps: [] };
    case 'internet-gateway': return { kind, id, region };
    case 'dns-forwarding': return { kind, id, region, targets: [], networks: [] };
    case 'subnet': return { kind, id, region };
    default: return undefined;
  }
}
