import type Database from 'better-sqlite3';
import type { ObservedState } from '../../core/ports.js';
import { resourceKey, type Resource } from '../../core/resource.js';
import {
  deepFreeze, freezeObserved, indexItems, jsonOf, planField, splitState, type FieldIndex, type StoredItem,
} from './sqlite-observed-items.js';

interface ObservedRow {
  key: string; cloud: string; account: string; kind: string; id: string; region: string;
  state: string | null; event_time: string; event_id: string; rev: number;
}

/** What this process last read or wrote of one resource, valid while the file's row still has `rev`. */
interface CachedObserved {
  rev: number;
  /** Handed out to every reader: frozen as `freezeObserved` says. */
  observed: ObservedState;
  /** Per array field, its rows; undefined when they cannot be diffed (duplicate elements): the next write rewrites them all. */
  fields: Map<string, FieldIndex> | undefined;
}

/** One array field's new elements and index, once the transaction that wrote them committed. */
type FieldBuild = () => { values: readonly unknown[]; index: FieldIndex | undefined };

/** Resources kept parsed per process, least recently used dropped first. */
const MAX_CACHED = 64;

function prepare(db: Database.Database) {
  return {
    rev: db.prepare<[string], { rev: number }>('SELECT rev FROM observed WHERE key = ?'),
    row: db.prepare<[string], ObservedRow>('SELECT * FROM observed WHERE key = ?'),
    rowsOfKind: db.prepare<[string, string, string], ObservedRow>(
      'SELECT * FROM observed WHERE cloud = ? AND account = ? AND kind = ? ORDER BY key'),
    items: db.prepare<[string], { field: string; seq: number; item: string }>(
      'SELECT field, seq, item FROM observed_items WHERE resource_key = ? ORDER BY field, seq'),
    nextRevision: db.prepare<[], { value: number }>('UPDATE observed_revision SET value = value + 1 RETURNING value'),
    putRow: db.prepare<[string, string, string, string, string, string, string | null, string, string, number]>(
      `INSERT OR REPLACE INTO observed (key, cloud, account, kind, id, region, state, event_time, event_id, rev)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    dropItems: db.prepare<[string]>('DELETE FROM observed_items WHERE resource_key = ?'),
    dropField: db.prepare<[string, string]>('DELETE FROM observed_items WHERE resource_key = ? AND field = ?'),
    dropItem: db.prepare<[string, string, number]>('DELETE FROM observed_items WHERE resource_key = ? AND field = ? AND seq = ?'),
    putItem: db.prepare<[string, string, number, string]>(
      'INSERT INTO observed_items (resource_key, field, seq, item) VALUES (?, ?, ?, ?)'),
  };
}

function observedOf(row: Pick<ObservedRow, 'cloud' | 'account' | 'kind' | 'id' | 'region' | 'event_time' | 'event_id'>, state: Resource | null): ObservedState {
  return {
    cloud: row.cloud as ObservedState['cloud'], account: row.account, kind: row.kind as ObservedState['kind'], id: row.id,
    region: row.region, state, eventTime: row.event_time, eventId: row.event_id,
  };
}

function rowOf(o: ObservedState) {
  return { cloud: o.cloud, account: o.account, kind: o.kind, id: o.id, region: o.region, event_time: o.eventTime, event_id: o.eventId };
}

function storedItem(seq: number, json: string): StoredItem {
  return { seq, json, value: deepFreeze(JSON.parse(json) as unknown) };
}

/** Rows written afresh (seq 0, 1, ...): their values and index. */
function rewritten(json: readonly string[]): FieldBuild {
  return () => {
    const items = json.map((text, seq) => storedItem(seq, text));
    return { values: items.map((item) => item.value), index: indexItems(items) };
  };
}

/**
 * The observed states of the embedded store (schema in sqlite-schema.ts, version 5), and a
 * per-process cache of them: a busy resource is parsed once, not on every event, and written
 * element by element. The file may be shared (serve and a replay), so a cached resource is used
 * only while its row's `rev` is the one cached: reads check it, and a write diffs against the
 * cache only when the row, read inside the write's transaction, still has it (else it rewrites
 * all the resource's rows).
 */
export class SqliteObservedStates {
  private readonly cache = new Map<string, CachedObserved>();
  private readonly s: ReturnType<typeof prepare>;

  constructor(private readonly db: Database.Database) {
    this.s = prepare(db);
  }

  get(key: string): ObservedState | undefined {
    const current = this.s.rev.get(key);
    if (current === undefined) {
      this.cache.delete(key);
      return undefined;
    }
    const cached = this.fresh(key, current.rev);
    if (cached) return cached.observed;
    // The row and its elements from one snapshot of the file, whatever another process commits meanwhile.
    return this.db.transaction(() => {
      const row = this.s.row.get(key);
      return row && this.load(row);
    })();
  }

  list(cloud: string, account: string, kind: string): ObservedState[] {
    return this.db.transaction(() => this.s.rowsOfKind.all(cloud, account, kind)
      .map((row) => this.fresh(row.key, row.rev)?.observed ?? this.load(row)))();
  }

  /**
   * Writes `states` (the last one of each resource wins) inside the caller's transaction. Returns
   * what updates the cache, to be called once that transaction committed: until then the cache
   * stays as the file was, so a commit that throws leaves both unchanged.
   */
  write(states: readonly ObservedState[]): () => void {
    if (states.length === 0) return () => undefined;
    const rev = (this.s.nextRevision.get() as { value: number }).value;
    const builds = [...new Map(states.map((o) => [resourceKey(o), o]))].map(([key, o]) => [key, this.writeOne(key, o, rev)] as const);
    return () => {
      for (const [key, build] of builds) {
        // Dropped first: should building the entry throw, the resource is read from the file next time.
        this.cache.delete(key);
        this.remember(key, build());
      }
    };
  }

  private writeOne(key: string, o: ObservedState, rev: number): () => CachedObserved {
    const s = this.s;
    const cached = this.cache.get(key);
    const stored = s.rev.get(key);
    const tracked = cached !== undefined && stored !== undefined && stored.rev !== 0 && stored.rev === cached.rev ? cached.fields : undefined;
    if (o.state === null) {
      s.dropItems.run(key);
      s.putRow.run(key, o.cloud, o.account, o.kind, o.id, o.region, null, o.eventTime, o.eventId, rev);
      return () => ({ rev, observed: freezeObserved(observedOf(rowOf(o), null)), fields: new Map() });
    }
    const { head, arrays } = splitState(o.state);
    if (tracked === undefined) s.dropItems.run(key);
    else for (const field of tracked.keys()) if (!arrays.has(field)) s.dropField.run(key, field);
    const builds = new Map<string, FieldBuild>();
    for (const [field, next] of arrays) builds.set(field, this.writeField(key, field, next, tracked?.get(field)));
    const headJson = JSON.stringify(head);
    s.putRow.run(key, o.cloud, o.account, o.kind, o.id, o.region, headJson, o.eventTime, o.eventId, rev);
    return () => {
      const state = JSON.parse(headJson) as Record<string, unknown>;
      let fields: Map<string, FieldIndex> | undefined = new Map();
      for (const [field, build] of builds) {
        const { values, index } = build();
        state[field] = values;
        if (index === undefined) fields = undefined;
        else fields?.set(field, index);
      }
      return { rev, observed: freezeObserved(observedOf(rowOf(o), state as unknown as Resource)), fields };
    };
  }

  /** Writes one array field's rows: only those that changed when its rows are indexed, else all of them. */
  private writeField(key: string, field: string, next: readonly unknown[], index: FieldIndex | undefined): FieldBuild {
    const s = this.s;
    const rewrite = (json: readonly string[]): FieldBuild => {
      for (const [seq, text] of json.entries()) s.putItem.run(key, field, seq, text);
      return rewritten(json);
    };
    if (index === undefined) return rewrite(next.map(jsonOf));
    const plan = planField(index, next);
    if (plan.kind === 'rewrite') {
      s.dropField.run(key, field);
      return rewrite(plan.json);
    }
    for (const item of plan.removed) s.dropItem.run(key, field, item.seq);
    for (const item of plan.inserted) s.putItem.run(key, field, item.seq, item.json);
    return () => {
      const inserted = plan.inserted.map((item) => storedItem(item.seq, item.json));
      const values = plan.base.slice(0, plan.prefix);
      for (const slot of plan.slots) values.push(typeof slot === 'number' ? (inserted[slot] as StoredItem).value : slot.value);
      // The index is the cache's own, and the entry it belonged to is being replaced: updated in place, not copied.
      for (const item of plan.removed) {
        index.byValue.delete(item.value);
        index.byJson.delete(item.json);
      }
      for (const item of inserted) {
        if (index.byValue.has(item.value) || index.byJson.has(item.json)) return { values, index: undefined };
        index.byValue.set(item.value, item);
        index.byJson.set(item.json, item);
      }
      index.values = values;
      return { values: values.slice(), index };
    };
  }

  private fresh(key: string, rev: number): CachedObserved | undefined {
    const cached = this.cache.get(key);
    if (cached === undefined || rev === 0 || cached.rev !== rev) return undefined;
    this.remember(key, cached);
    return cached;
  }

  /** A row as the file has it; cached unless it is a whole document (rev 0: its rev names no one version). */
  private load(row: ObservedRow): ObservedState {
    if (row.rev === 0) return observedOf(row, row.state === null ? null : (JSON.parse(row.state) as Resource));
    const items = new Map<string, StoredItem[]>();
    for (const { field, seq, item } of this.s.items.iterate(row.key)) {
      let list = items.get(field);
      if (list === undefined) items.set(field, list = []);
      list.push(storedItem(seq, item));
    }
    const state = row.state === null ? null : (JSON.parse(row.state) as Record<string, unknown>);
    let fields: Map<string, FieldIndex> | undefined = new Map();
    for (const [field, list] of items) {
      const index = indexItems(list);
      if (state !== null) state[field] = list.map((item) => item.value);
      if (index === undefined) fields = undefined;
      else fields?.set(field, index);
    }
    const observed = freezeObserved(observedOf(row, state as unknown as Resource | null));
    this.remember(row.key, { rev: row.rev, observed, fields });
    return observed;
  }

  private remember(key: string, entry: CachedObserved): void {
    // Map order is insertion order: re-inserting keeps the most recently used last.
    this.cache.delete(key);
    this.cache.set(key, entry);
    if (this.cache.size > MAX_CACHED) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}
