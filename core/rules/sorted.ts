/**
 * Sorted merges for the rules: canonical snapshots keep item arrays sorted (snapshots/canonical.ts),
 * so two of them pair up in one pass, without a key string, Map or Set per item. Inputs that are
 * not sorted (event payloads, live reads) are sorted once (positions only) when a linear check
 * finds them out of order.
 */

/** The positions of `items` in `compare` order (stable), or undefined when the items are already in order. */
function sortedPositions<T>(items: readonly T[], compare: (a: T, b: T) => number): number[] | undefined {
  for (let i = 1; i < items.length; i += 1) {
    if (compare(items[i - 1] as T, items[i] as T) > 0) {
      return items.map((_, k) => k).sort((x, y) => compare(items[x] as T, items[y] as T) || x - y);
    }
  }
  return undefined;
}

/**
 * Walks two lists in `compare` order and calls `visit` once per identity: with the item of each
 * side that has it (`undefined` for the side that lacks it) and its position in its own list
 * (-1 when absent), so that callers can report in input order. Of equal items on one side the
 * last wins, as it would in a Map built from the list.
 */
export function mergeSorted<T>(
  before: readonly T[], after: readonly T[], compare: (a: T, b: T) => number,
  visit: (old: T | undefined, now: T | undefined, oldAt: number, nowAt: number) => void,
): void {
  const pa = sortedPositions(before, compare);
  const pb = sortedPositions(after, compare);
  const at = (positions: number[] | undefined, k: number): number => (positions ? positions[k] as number : k);
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const order = i >= before.length ? 1 : j >= after.length ? -1
      : compare(before[at(pa, i)] as T, after[at(pb, j)] as T);
    let oldAt = -1;
    let nowAt = -1;
    if (order <= 0) {
      while (i + 1 < before.length && compare(before[at(pa, i)] as T, before[at(pa, i + 1)] as T) === 0) i += 1;
      oldAt = at(pa, i);
      i += 1;
    }
    if (order >= 0) {
      while (j + 1 < after.length && compare(after[at(pb, j)] as T, after[at(pb, j + 1)] as T) === 0) j += 1;
      nowAt = at(pb, j);
      j += 1;
    }
    visit(oldAt >= 0 ? before[oldAt] : undefined, nowAt >= 0 ? after[nowAt] : undefined, oldAt, nowAt);
  }
}

/**
 * Drifts collected with the input position they stem from, returned in that order: the order a
 * Map built from the input would have given, whether or not the input was sorted.
 */
export class InInputOrder<D> {
  private readonly items: D[] = [];
  private readonly positions: number[] = [];
  private sorted = true;

  push(position: number, item: D): void {
    if (this.positions.length > 0 && position < (this.positions[this.positions.length - 1] as number)) this.sorted = false;
    this.items.push(item);
    this.positions.push(position);
  }

  /** The items in input order, appended to `into`. */
  drainInto(into: D[]): void {
    if (this.sorted) {
      for (const item of this.items) into.push(item);
      return;
    }
    const order = this.items.map((_, k) => k).sort((x, y) => (this.positions[x] as number) - (this.positions[y] as number));
    for (const k of order) into.push(this.items[k] as D);
  }
}

/** Orders by UTF-16 code units, as the canonical form does (never `localeCompare`). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
