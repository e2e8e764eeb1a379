import type {
  ClaimOptions, ClaimResult, FindingFilter, FindingSelection, HistoryEntry, LeaseOptions, ObservedState, OutboxEntry, OutboxFailure, SendSlot,
  SnapshotSlot, SnapshotStore, StateCommit, StateStore, StoredSnapshot,
} from '../core/ports.js';
import { ConflictError } from '../core/errors.js';
import type { Finding, RuleId } from '../core/finding.js';
import { leasable, slidingWindowSlot } from '../core/leases.js';
import { normalizeId, resourceKey, resourceKeyOf, type ResourceKind, type Scope } from '../core/resource.js';
import type { Snapshot } from '../core/snapshot.js';

/**
 * Map-backed stores so the benchmark measures the pipeline, not I/O. Not for production use.
 * Workers sharing one instance in one process are safe: no method awaits between its read and its
 * write, so each claim, lease and send slot is atomic.
 */
export class MemoryStateStore implements StateStore {
  private readonly processed = new Map<string, { expires: number; status: 'in-progress' | 'done'; owner?: string }>();
  private readonly slots = new Map<string, number[]>();
  private readonly observed = new Map<string, ObservedState>();
  private readonly findings = new Map<string, Finding>();
  private readonly openByResource = new Map<string, Map<string, Finding>>();
  /** The same findings by rule, then item (as the cloud compares ids): what `openFindings` narrows by. */
  private readonly openByRule = new Map<string, Map<string, Map<string, Finding>>>();
  private readonly outbox = new Map<string, OutboxEntry>();
  private nextId = 0;

  async isProcessed(key: string) {
    const entry = this.processed.get(key);
    return entry?.status === 'done' && entry.expires > Date.now();
  }
  async claim(key: string, options: ClaimOptions): Promise<ClaimResult> {
    const now = (options.now ?? new Date()).getTime();
    const entry = this.processed.get(key);
    if (entry && entry.expires > now) return entry.status === 'done' ? 'done' : 'in-progress';
    this.processed.set(key, { expires: now + options.leaseMs, status: 'in-progress', owner: options.owner });
    return 'claimed';
  }
  async release(key: string, owner: string) {
    const entry = this.processed.get(key);
    if (entry?.status === 'in-progress' && entry.owner === owner) this.processed.delete(key);
  }
  async getObserved(scope: Scope, kind: ResourceKind, id: string) { return this.observed.get(resourceKey({ ...scope, kind, id })); }
  async listObserved(scope: Scope, kind: ResourceKind) {
    return [...this.observed.values()].filter((o) => o.cloud === scope.cloud && o.account === scope.account && o.kind === kind);
  }
  async openFindings(scope: Scope, kind: ResourceKind, id: string, only?: FindingSelection) {
    const key = resourceKeyOf(scope, kind, id);
    if (!only) return [...(this.openByResource.get(key)?.values() ?? [])];
    const found: Finding[] = [];
    for (const [rule, byItem] of this.openByRule.get(key) ?? []) {
      if (!only.itemRules.includes(rule as RuleId)) found.push(...byItem.values());
      else for (const item of only.items) { const f = byItem.get(normalizeId(scope.cloud, item)); if (f) found.push(f); }
    }
    return found;
  }
  async listFindings(filter: FindingFilter = {}) {
    return [...this.findings.values()].filter((f) => (!filter.status || f.status === filter.status)
      && (!filter.cloud || f.cloud === filter.cloud) && (!filter.account || f.account === filter.account));
  }
  async commit(change: StateCommit) {
    for (const p of change.processed) {
      const claim = this.processed.get(p.key);
      if (p.claimedBy !== undefined && (claim?.status !== 'in-progress' || claim.owner !== p.claimedBy)) {
        throw new ConflictError(`state store: commit refused, nothing written: the claim on ${p.key} is no longer held`);
      }
    }
    for (const p of change.processed) this.processed.set(p.key, { expires: Date.parse(p.expiresAt), status: 'done' });
    for (const o of change.observed) this.observed.set(resourceKey(o), o);
    for (const f of change.findings) {
      this.findings.set(f.fingerprint, f);
      const key = resourceKeyOf(f, f.kind, f.resource);
      const open = this.openByResource.get(key) ?? new Map<string, Finding>();
      const byRule = this.openByRule.get(key) ?? new Map<string, Map<string, Finding>>();
      const byItem = byRule.get(f.rule) ?? new Map<string, Finding>();
      if (f.status === 'open') { open.set(f.fingerprint, f); byItem.set(normalizeId(f.cloud, f.item), f); }
      else { open.delete(f.fingerprint); byItem.delete(normalizeId(f.cloud, f.item)); }
      this.openByResource.set(key, open);
      byRule.set(f.rule, byItem);
      this.openByRule.set(key, byRule);
    }
    for (const e of change.outbox) {
      const id = String(this.nextId++);
      this.outbox.set(id, { id, sink: e.sink, finding: e.finding, attempts: 0, createdAt: new Date().toISOString(), state: 'pending' });
    }
  }
  /** Entries are kept in insertion order, which is creation order. */
  async pendingOutbox(limit = 100, now = new Date()) {
    const due = (e: OutboxEntry) => e.state === 'pending' && (e.nextAttemptAt === undefined || Date.parse(e.nextAttemptAt) <= now.getTime());
    return [...this.outbox.values()].filter(due).slice(0, Math.max(limit, 0));
  }
  async listOutbox(filter: { state?: OutboxEntry['state'] } = {}) {
    return [...this.outbox.values()].filter((e) => filter.state === undefined || e.state === filter.state);
  }
  async leaseOutbox(limit: number, options: LeaseOptions) {
    const now = (options.now ?? new Date()).getTime();
    const except = new Set(options.exceptSinks ?? []);
    const pending = [...this.outbox.values()]
      .filter((e) => e.state === 'pending' && (options.sink === undefined || e.sink === options.sink) && !except.has(e.sink))
      .map((entry) => ({ entry, sink: entry.sink, fingerprint: entry.finding.fingerprint, dueAt: entry.nextAttemptAt === undefined ? undefined : Date.parse(entry.nextAttemptAt) }));
    return leasable(pending, Math.max(limit, 0), now).map(({ entry }) => {
      const leased = { ...entry, leasedBy: options.owner, nextAttemptAt: new Date(now + options.leaseMs).toISOString() };
      this.outbox.set(entry.id, leased);
      return leased;
    });
  }
  async outboxDelivered(ids: string | readonly string[], owner?: string) {
    for (const id of typeof ids === 'string' ? [ids] : ids) {
      if (owner === undefined || this.outbox.get(id)?.leasedBy === owner) this.outbox.delete(id);
    }
  }
  async outboxReleased(id: string, owner: string, notBefore?: string) {
    const entry = this.outbox.get(id);
    if (entry?.state !== 'pending' || entry.leasedBy !== owner) return;
    const { nextAttemptAt: _previous, leasedBy: _owner, ...rest } = entry;
    this.outbox.set(id, { ...rest, ...(notBefore === undefined ? {} : { nextAttemptAt: new Date(notBefore).toISOString() }) });
  }
  async takeSendSlot(sink: string, limit: { count: number; intervalMs: number; now?: Date }): Promise<SendSlot> {
    const now = (limit.now ?? new Date()).getTime();
    const decision = slidingWindowSlot(this.slots.get(sink) ?? [], limit, now);
    if (!decision.ok) return { ok: false, retryAt: new Date(decision.retryAt).toISOString() };
    this.slots.set(sink, decision.sent);
    return { ok: true };
  }
  async outboxFailed(id: string, failure: OutboxFailure, owner?: string) {
    const entry = this.outbox.get(id);
    if (entry?.state !== 'pending' || (owner !== undefined && entry.leasedBy !== owner)) return;
    const { nextAttemptAt: _previous, leasedBy: _owner, ...rest } = entry;
    const retry = failure.retryable && failure.notBefore !== undefined ? { nextAttemptAt: new Date(failure.notBefore).toISOString() } : {};
    this.outbox.set(id, { ...rest, attempts: entry.attempts + 1, lastError: failure.error, state: failure.retryable ? 'pending' : 'rejected', ...retry });
  }
  async redriveOutbox(ids?: readonly string[], now = new Date()) {
    const chosen = ids === undefined ? [...this.outbox.values()].filter((e) => e.state === 'rejected').map((e) => e.id) : new Set(ids);
    let n = 0;
    for (const id of chosen) {
      const entry = this.outbox.get(id);
      const leased = entry?.state === 'pending' && entry.leasedBy !== undefined && Date.parse(entry.nextAttemptAt ?? '') > now.getTime();
      if (!entry || leased) continue;
      const { nextAttemptAt: _previous, leasedBy: _owner, ...rest } = entry;
      this.outbox.set(id, { ...rest, state: 'pending', attempts: 0 });
      n += 1;
    }
    return n;
  }
  async purgeExpired(now: Date) {
    let n = 0;
    for (const [key, { expires }] of this.processed) if (expires <= now.getTime()) { this.processed.delete(key); n += 1; }
    return n;
  }
  async close() {}
}

export class MemorySnapshotStore implements SnapshotStore {
  private readonly slots = new Map<string, StoredSnapshot>();
  async get(scope: Scope, slot: SnapshotSlot) { return this.slots.get(`${scope.cloud}/${scope.account}/${slot}`); }
  async put(scope: Scope, slot: SnapshotSlot, snapshot: Snapshot) {
    const etag = String(Date.now());
    this.slots.set(`${scope.cloud}/${scope.account}/${slot}`, { snapshot, etag });
    return etag;
  }
  async remove(scope: Scope, slot: SnapshotSlot) { this.slots.delete(`${scope.cloud}/${scope.account}/${slot}`); }
  async archive(_scope: Scope, _snapshot: Snapshot, entry: Omit<HistoryEntry, 'location'>) { return { ...entry, location: 'memory' }; }
  async history() { return []; }
  async list() { return []; }
}
