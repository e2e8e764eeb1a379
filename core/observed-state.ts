import type { ChangeEvent, Delta, Selector } from './change.js';
import { applyDeltas, emptyResource, findItem, type AppliedDelta } from './delta.js';
import type { IndexedBaseline } from './baseline-cache.js';
import type { ObservedState, StateReader, StateStore } from './ports.js';
import { PermanentReadError } from './errors.js';
import { normalizeId, resourceKey, resourceKeyOf, type Cloud, type Resource, type ResourceKind, type Scope } from './resource.js';

/** The new state of a changed resource, or why it could not be known. */
export type NextState =
  | { verified: true; state: Resource | null }
  | { verified: false; reason: string };

/**
 * The observed states one audit record has touched so far, over the store's: the changes of
 * one record see each other before they are committed together.
 */
export class ObservedView {
  private readonly pending = new Map<string, ObservedState>();
  /** Each resource is read from the store once per record: a delta then shares the items it leaves alone with the state before it. */
  private readonly reads = new Map<string, Promise<ObservedState | undefined>>();

  constructor(private readonly store: StateStore, private readonly scope: Scope, private readonly baseline: IndexedBaseline) {}

  async get(kind: ResourceKind, id: string): Promise<ObservedState | undefined> {
    const key = resourceKeyOf(this.scope, kind, id);
    const written = this.pending.get(key);
    if (written) return written;
    let read = this.reads.get(key);
    if (!read) this.reads.set(key, read = this.store.getObserved(this.scope, kind, id));
    return read;
  }

  set(observed: ObservedState): void {
    this.pending.set(resourceKey(observed), observed);
  }

  written(): ObservedState[] {
    return [...this.pending.values()];
  }

  /** The current state: the last observed one, else the baseline's. `null` when it is known to be gone. */
  async current(kind: ResourceKind, id: string): Promise<Resource | null | undefined> {
    const observed = await this.get(kind, id);
    return observed ? observed.state : this.baseline.resource(kind, id);
  }

  /** The baseline's spelling of a resource, if it has it. */
  baselineOf(kind: ResourceKind, id: string): Resource | undefined {
    return this.baseline.resource(kind, id);
  }

  /** Ids of the resources of `kind` a selector picks among their current states (observed, else baseline). */
  async select(kind: ResourceKind, selector: Selector): Promise<string[]> {
    const cloud = this.scope.cloud;
    const observed = [...(await this.store.listObserved(this.scope, kind)), ...this.pending.values()].filter((o) => o.kind === kind);
    const latest = new Map(observed.map((o) => [normalizeId(cloud, o.id), o.state]));
    const current = [
      ...[...latest.values()].filter((r): r is Resource => r !== null),
      ...this.baseline.ofKind(kind).filter((r) => !latest.has(normalizeId(cloud, r.id))),
    ];
    return current.filter((r) => matchesSelector(cloud, r, selector)).map((r) => r.id);
  }

  /** The resource of `kind` whose `field` holds an item matching `match` (observed state first, then baseline). */
  async locate(kind: ResourceKind, field: string, match: Record<string, unknown>): Promise<Resource | undefined> {
    const ci = this.scope.cloud === 'azure';
    const observed = [...(await this.store.listObserved(this.scope, kind)), ...this.pending.values()];
    const seen = new Set(observed.map((o) => normalizeId(this.scope.cloud, o.id)));
    const candidates = [
      ...observed.filter((o) => o.kind === kind).map((o) => o.state),
      ...this.baseline.ofKind(kind).filter((r) => !seen.has(normalizeId(this.scope.cloud, r.id))),
    ];
    return candidates.find((r): r is Resource => !!r && findItem(r, field, match, ci) !== undefined);
  }
}

/** Whether a resource is one a selector picks (ids compared as the cloud compares them). */
export function matchesSelector(cloud: Cloud, resource: Resource, selector: Selector): boolean {
  const id = normalizeId(cloud, resource.id);
  if (selector.except?.some((e) => normalizeId(cloud, e) === id)) return false;
  if (selector.idPrefix !== undefined && !id.startsWith(normalizeId(cloud, selector.idPrefix))) return false;
  if (selector.field !== undefined) {
    const values = (resource as unknown as Record<string, unknown>)[selector.field];
    const wanted = normalizeId(cloud, selector.contains ?? selector.containsPrefix ?? '');
    const matches = selector.contains !== undefined
      ? (v: string) => normalizeId(cloud, v) === wanted
      : (v: string) => normalizeId(cloud, v).startsWith(wanted);
    if (!Array.isArray(values) || !values.some((v) => typeof v === 'string' && matches(v))) return false;
  }
  return true;
}

/** A located item moved out of its source resource (AWS ReplaceRouteTableAssociation). */
export interface MovedItem {
  source: Resource;
  sourceAfter: Resource;
}

/**
 * Resolves `move-item` deltas against the view: the item is taken from the resource that holds
 * it (whose new state is returned so it can be diffed too) and put into this one.
 */
export async function resolveMoves(
  view: ObservedView, change: ChangeEvent, deltas: readonly Delta[],
): Promise<{ deltas: AppliedDelta[]; moved: MovedItem[]; unlocated: Record<string, unknown>[] }> {
  const ci = change.cloud === 'azure';
  const applied: AppliedDelta[] = [];
  const moved: MovedItem[] = [];
  const unlocated: Record<string, unknown>[] = [];
  for (const delta of deltas) {
    if (delta.op !== 'move-item') { applied.push(delta); continue; }
    const source = await view.locate(change.kind, delta.field, delta.match);
    const item = source ? findItem(source, delta.field, delta.match, ci) : undefined;
    if (!item) unlocated.push(delta.match);
    const key = Object.keys(delta.set);
    applied.push({ op: 'put-item', field: delta.field, key, item: { ...(item ?? {}), ...delta.set } });
    const carried = item && delta.cascade ? item[delta.cascade.property] : undefined;
    if (delta.cascade && typeof carried === 'string') applied.push({ op: 'add', field: delta.cascade.field, values: [carried] });
    if (source && normalizeId(change.cloud, source.id) !== normalizeId(change.cloud, change.id)) {
      const removal: AppliedDelta = { op: 'remove-item', field: delta.field, match: delta.match, ...(delta.cascade ? { cascade: delta.cascade } : {}) };
      moved.push({ source, sourceAfter: applyDeltas(source, [removal], ci) });
    }
  }
  return { deltas: applied, moved, unlocated };
}

/**
 * DESIGN.md step 3: a live read where a reader is configured; else `full` replaces, `delta`
 * applies to the last observed state (seeded from the baseline), `none` is unverified.
 * A top-level delete needs no read. Transient read errors propagate (the delivery is retried).
 */
export async function nextState(
  change: ChangeEvent, id: string, region: string, view: ObservedView, reader: StateReader | undefined, deltas: readonly AppliedDelta[],
): Promise<NextState> {
  // A failed operation changed nothing: without a reader, the resource is as the baseline has it.
  if (change.rollback && !reader) return { verified: true, state: view.baselineOf(change.kind, id) ?? null };
  if (change.action === 'delete' && !change.rollback) return { verified: true, state: null };
  if (reader) {
    try {
      const read = await reader.read({ cloud: change.cloud, account: change.account, kind: change.kind, id, region });
      return { verified: true, state: read.exists ? read.state : null };
    } catch (error) {
      if (error instanceof PermanentReadError) return { verified: false, reason: `read failed: ${error.message}` };
      throw error;
    }
  }
  const { payload } = change;
  if (payload.kind === 'full') return { verified: true, state: payload.state };
  if (payload.kind === 'none') return { verified: false, reason: 'the event carries no state and no reader is configured' };
  const current = await view.current(change.kind, id);
  const start = current ?? emptyResource(change.kind, id, region);
  if (!start) return { verified: false, reason: `nothing is known of ${id} to apply the change to` };
  return { verified: true, state: applyDeltas(start, deltas, change.cloud === 'azure') };
}
