/**
 * The observed state of one resource as the embedded store keeps it (schema version 5): a head (the
 * resource with each top-level array as []) and one row per array element, each at a `seq` that
 * orders it among the array's rows. This file is the pure part: splitting a resource, and finding
 * which rows a new state changes, so that an event that adds one route to a table of a thousand
 * writes one row instead of the whole table.
 */

/** One element of an array field as stored: its place, its JSON, and the (frozen) value handed out. */
export interface StoredItem {
  readonly seq: number;
  readonly json: string;
  readonly value: unknown;
}

/**
 * What this process knows of the rows of one array field, to tell which elements of a new state it
 * already has: by identity (the frozen elements it handed out, or a primitive's value) and by JSON
 * (an element read afresh, e.g. by a live reader, that equals one stored).
 */
export interface FieldIndex {
  /** The elements in order: the index's own array, never handed out (a reader may not change it under the index). */
  values: readonly unknown[];
  readonly byValue: Map<unknown, StoredItem>;
  readonly byJson: Map<string, StoredItem>;
}

/**
 * What a new state of one array field writes: the rows to drop and add, or all its rows again. A
 * diff's new array is the first `prefix` elements of `base` (the array it was planned against),
 * then per `slots` a stored item kept or an index into `inserted`.
 */
export type FieldPlan =
  | {
    kind: 'diff'; removed: StoredItem[]; inserted: { seq: number; json: string }[];
    base: readonly unknown[]; prefix: number; slots: (StoredItem | number)[];
  }
  | { kind: 'rewrite'; json: string[] };

/**
 * States handed out are shared by every reader of the cache (core treats states as immutable): an element changed
 * in place would look unchanged to `planField` and never reach the file, so elements are frozen and such a change
 * throws. The arrays that hold them are not: V8 (Node 20) takes a slow path for `slice`, `filter` and `find` over a
 * frozen array (50× for a slice of 1,000), which core runs on every event; `planField` diffs against its own copy.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}

/** An observed state to hand out: its fields frozen, except the top-level arrays of its state (see `deepFreeze`). */
export function freezeObserved<T extends { state: object | null }>(observed: T): T {
  if (observed.state !== null) {
    for (const value of Object.values(observed.state)) if (!Array.isArray(value)) deepFreeze(value);
    Object.freeze(observed.state);
  }
  return Object.freeze(observed);
}

export function jsonOf(value: unknown): string {
  // JSON.stringify gives undefined for undefined (and functions), which an array holds as null.
  return JSON.stringify(value) ?? 'null';
}

/** A resource's head (its arrays left as [], keeping their place among the fields) and its arrays. */
export function splitState(state: object): { head: Record<string, unknown>; arrays: Map<string, readonly unknown[]> } {
  const head: Record<string, unknown> = { ...state };
  const arrays = new Map<string, readonly unknown[]>();
  for (const [field, value] of Object.entries(head)) {
    if (!Array.isArray(value)) continue;
    arrays.set(field, value);
    head[field] = [];
  }
  return { head, arrays };
}

/**
 * An index of stored elements, in array order; undefined when two of them are the same element or
 * the same JSON (an array with duplicates is written whole, never diffed).
 */
export function indexItems(items: readonly StoredItem[]): FieldIndex | undefined {
  const byValue = new Map<unknown, StoredItem>();
  const byJson = new Map<string, StoredItem>();
  for (const item of items) {
    if (byValue.has(item.value) || byJson.has(item.json)) return undefined;
    byValue.set(item.value, item);
    byJson.set(item.json, item);
  }
  return { values: items.map((item) => item.value), byValue, byJson };
}

/**
 * Places for `count` new elements strictly between `lo` and `hi` (either may be open), or
 * undefined when doubles cannot tell them apart any more: then the field is renumbered.
 */
function placesBetween(lo: number | undefined, hi: number | undefined, count: number): number[] | undefined {
  const places: number[] = [];
  for (let k = 0; k < count; k += 1) {
    if (lo === undefined) places.push(hi === undefined ? k : hi - count + k);
    else places.push(hi === undefined ? lo + k + 1 : lo + ((hi - lo) * (k + 1)) / (count + 1));
  }
  let previous = lo ?? -Infinity;
  for (const place of places) {
    if (!(place > previous)) return undefined;
    previous = place;
  }
  return previous < (hi ?? Infinity) ? places : undefined;
}

/**
 * The rows a new array writes over the indexed ones. An element is kept when it is one stored (the
 * same frozen value, or equal JSON) and comes after the last one kept; every other element is
 * inserted between its kept neighbours. What is not kept is removed. Core's deltas share the
 * elements they leave alone, so an event that appends one element compares pointers up to it and
 * writes one row; past the first difference, each element costs a lookup (frozen values hash slowly).
 */
export function planField(index: FieldIndex, next: readonly unknown[]): FieldPlan {
  const base = index.values;
  let prefix = 0;
  const common = Math.min(base.length, next.length);
  while (prefix < common && next[prefix] === base[prefix]) prefix += 1;
  const slots: (StoredItem | string)[] = [];
  const first = prefix > 0 ? index.byValue.get(base[prefix - 1]) : undefined;
  let last = first?.seq ?? -Infinity;
  let kept = prefix;
  for (let i = prefix; i < next.length; i += 1) {
    const value = next[i];
    let stored = index.byValue.get(value);
    let json: string | undefined;
    if (stored === undefined) {
      json = jsonOf(value);
      stored = index.byJson.get(json);
    }
    if (stored !== undefined && stored.seq > last) {
      slots.push(stored);
      last = stored.seq;
      kept += 1;
    } else {
      slots.push(json ?? (stored as StoredItem).json);
    }
  }
  const inserted: { seq: number; json: string }[] = [];
  const placed: (StoredItem | number)[] = [];
  // A run of new elements lies between two kept ones (or an end): a run is maximal, so what precedes it is kept.
  let lo = first?.seq;
  for (let i = 0; i < slots.length;) {
    const slot = slots[i] as StoredItem | string;
    if (typeof slot !== 'string') {
      placed.push(slot);
      lo = slot.seq;
      i += 1;
      continue;
    }
    let end = i;
    while (end < slots.length && typeof slots[end] === 'string') end += 1;
    const places = placesBetween(lo, (slots[end] as StoredItem | undefined)?.seq, end - i);
    if (places === undefined) {
      const json = [...base.slice(0, prefix).map((value) => (index.byValue.get(value) as StoredItem).json), ...slots.map((s) => (typeof s === 'string' ? s : s.json))];
      return { kind: 'rewrite', json };
    }
    for (const [k, seq] of places.entries()) {
      placed.push(inserted.length);
      inserted.push({ seq, json: slots[i + k] as string });
    }
    i = end;
  }
  let removed: StoredItem[] = [];
  if (kept < base.length) {
    const keptItems = new Set(placed.filter((slot): slot is StoredItem => typeof slot !== 'number'));
    removed = base.slice(prefix).map((value) => index.byValue.get(value) as StoredItem).filter((item) => !keptItems.has(item));
  }
  return { kind: 'diff', removed, inserted, base, prefix, slots: placed };
}
