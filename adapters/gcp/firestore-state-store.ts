import type { DocumentReference, Firestore, Query, Timestamp, Transaction } from '@google-cloud/firestore';
import { ConflictError, NetdriftError } from '../../core/errors.js';
import type { Finding } from '../../core/finding.js';
import { leasable, slidingWindowSlot } from '../../core/leases.js';
import type {
  ClaimOptions, ClaimResult, FindingFilter, LeaseOptions, ObservedState, OutboxEntry, OutboxFailure, SendSlot, StateCommit, StateStore,
} from '../../core/ports.js';
import { resourceKey, resourceKeyOf, type ResourceKind, type Scope } from '../../core/resource.js';
import { outboxEntryId, storageId, validateCommit } from '../../core/state-commit.js';
import { firestoreError } from './firestore-errors.js';

export interface FirestoreStateStoreOptions {
  firestore: Firestore;
  /** Collection names start with it (`netdrift-processed`, …): several deployments can share a database. */
  prefix?: string;
  now?: () => Date;
}

/** Firestore takes at most 500 writes in one commit (https://cloud.google.com/firestore/quotas#writes_and_transactions). */
const MAX_WRITES = 450;
const SLOT_ATTEMPTS = 5;
/** gRPC codes of a lost conditional write: the document exists (create), or changed (update with lastUpdateTime). */
const ALREADY_EXISTS = 6;
const FAILED_PRECONDITION = 9;

/** Runs a conditional write; false when its condition did not hold (another worker won), else its error. */
async function conditional(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === ALREADY_EXISTS || code === FAILED_PRECONDITION) return false;
    throw error;
  }
}

interface ProcessedDoc { key: string; status: 'in-progress' | 'done'; owner?: string; expiresMs: number; expireAt: Date }
interface OutboxDoc {
  id: string; sink: string; finding: string; fingerprint: string; attempts: number; lastError?: string;
  createdAt: string; order: string; state: OutboxEntry['state']; nextAttemptMs?: number; leasedBy?: string;
}

function entryOf(doc: OutboxDoc): OutboxEntry {
  return {
    id: doc.id, sink: doc.sink, finding: JSON.parse(doc.finding) as Finding, attempts: doc.attempts, createdAt: doc.createdAt, state: doc.state,
    ...(doc.lastError !== undefined ? { lastError: doc.lastError } : {}),
    ...(doc.nextAttemptMs !== undefined ? { nextAttemptAt: new Date(doc.nextAttemptMs).toISOString() } : {}),
    ...(doc.leasedBy !== undefined ? { leasedBy: doc.leasedBy } : {}),
  };
}

/**
 * The pipeline's memory in Firestore (Native mode), one collection per kind of record:
 *
 * | collection | document id | fields |
 * |---|---|---|
 * | `<prefix>-processed` | sha256 of the key | `key`, `status` (`in-progress` with `owner`, or `done`), `expiresMs`, `expireAt` (the TTL policy's field) |
 * | `<prefix>-observed` | sha256 of the resource key | `scopeKind`, `observed` (JSON) |
 * | `<prefix>-findings` | fingerprint | `status`, `cloud`, `account`, `resource` (resource key), `openedAt`, `finding` (JSON) |
 * | `<prefix>-outbox` | deterministic id | `state`, `sink`, `fingerprint`, `order`, `nextAttemptMs`, `leasedBy`, `attempts`, `finding` (JSON) |
 * | `<prefix>-ratelimits` | sha256 of the sink | `sent` (epoch ms inside the window) |
 *
 * Claims, leases and send slots are conditional writes (a create fails if the document exists; an
 * update names the `updateTime` it read), the way DynamoDB's are; commits and single-entry updates
 * are transactions (a transaction whose reads changed is retried by the client, then ABORTED → transient).
 * A commit larger than one Firestore commit is split as DynamoDB's is: outbox entries first (their
 * ids are deterministic, so a redo overwrites them), observed state, findings, and the processed
 * ids with the claim check in the LAST transaction, so until it lands the event is redone whole.
 */
export class FirestoreStateStore implements StateStore {
  private readonly db: Firestore;
  private readonly prefix: string;
  private readonly now: () => Date;
  private sequence = 0;

  constructor(options: FirestoreStateStoreOptions) {
    this.db = options.firestore;
    this.prefix = options.prefix ?? 'netdrift';
    this.now = options.now ?? (() => new Date());
  }

  private collection(name: 'processed' | 'observed' | 'findings' | 'outbox' | 'ratelimits') {
    return this.db.collection(`${this.prefix}-${name}`);
  }

  private async run<T>(action: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      throw firestoreError(`state store ${action}`, `database ${this.db.databaseId}`, error);
    }
  }

  private transaction<T>(action: string, body: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.run(action, () => this.db.runTransaction(body, { maxAttempts: 30 }));
  }

  async isProcessed(key: string): Promise<boolean> {
    return this.run('isProcessed', async () => {
      const doc = (await this.collection('processed').doc(storageId(key)).get()).data() as ProcessedDoc | undefined;
      return doc?.status === 'done' && doc.expiresMs > this.now().getTime();
    });
  }

  /**
   * A create (fails if the document exists), else an update conditional on the document being
   * unchanged since it was read: one round trip each, like DynamoDB's conditional writes, and no
   * transaction to contend on when many workers claim at once.
   */
  async claim(key: string, options: ClaimOptions): Promise<ClaimResult> {
    const now = (options.now ?? this.now()).getTime();
    const ref = this.collection('processed').doc(storageId(key));
    const expiresMs = now + options.leaseMs;
    const claim: ProcessedDoc = { key, status: 'in-progress', owner: options.owner, expiresMs, expireAt: new Date(expiresMs) };
    return this.run('claim', async () => {
      if (await conditional(() => ref.create(claim))) return 'claimed';
      const current = await ref.get();
      const doc = current.data() as ProcessedDoc | undefined;
      if (doc && doc.expiresMs > now) return doc.status === 'done' ? 'done' : 'in-progress';
      // Gone since (purged) or expired: take it over, unless another worker just did.
      const taken = current.exists
        ? await conditional(() => ref.update({ ...claim }, { lastUpdateTime: current.updateTime as Timestamp }))
        : await conditional(() => ref.create(claim));
      return taken ? 'claimed' : 'in-progress';
    });
  }

  async release(key: string, owner: string): Promise<void> {
    const ref = this.collection('processed').doc(storageId(key));
    await this.transaction('release', async (tx) => {
      const doc = (await tx.get(ref)).data() as ProcessedDoc | undefined;
      if (doc?.status === 'in-progress' && doc.owner === owner) tx.delete(ref);
    });
  }

  async getObserved(scope: Scope, kind: ResourceKind, id: string): Promise<ObservedState | undefined> {
    return this.run('getObserved', async () => {
      const doc = (await this.collection('observed').doc(storageId(resourceKeyOf(scope, kind, id))).get()).data();
      return doc ? JSON.parse(String(doc.observed)) as ObservedState : undefined;
    });
  }

  async listObserved(scope: Scope, kind: ResourceKind): Promise<ObservedState[]> {
    return this.run('listObserved', async () => {
      const found = await this.collection('observed').where('scopeKind', '==', `${scope.cloud}/${scope.account}/${kind}`).get();
      return found.docs.map((d) => JSON.parse(String(d.get('observed'))) as ObservedState);
    });
  }

  async openFindings(scope: Scope, kind: ResourceKind, id: string): Promise<Finding[]> {
    return this.run('openFindings', async () => {
      const found = await this.collection('findings').where('resource', '==', resourceKeyOf(scope, kind, id)).where('status', '==', 'open').get();
      return found.docs.map((d) => JSON.parse(String(d.get('finding'))) as Finding).sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
    });
  }

  async listFindings(filter: FindingFilter = {}): Promise<Finding[]> {
    return this.run('listFindings', async () => {
      let query: Query = this.collection('findings');
      for (const field of ['status', 'cloud', 'account'] as const) {
        if (filter[field] !== undefined) query = query.where(field, '==', filter[field]);
      }
      const findings = (await query.get()).docs.map((d) => JSON.parse(String(d.get('finding'))) as Finding);
      return findings.sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.fingerprint.localeCompare(b.fingerprint));
    });
  }

  async commit(change: StateCommit): Promise<void> {
    validateCommit(change);
    const createdAt = this.now().toISOString();
    const sequence = String(this.sequence++).padStart(12, '0');
    const eventKeys = change.processed.map((p) => p.key);
    const writes: [DocumentReference, Record<string, unknown>][] = [];
    change.outbox.forEach((entry, index) => {
      const id = outboxEntryId(eventKeys, entry.sink, entry.finding);
      const doc: OutboxDoc = {
        id, sink: entry.sink, finding: JSON.stringify(entry.finding), fingerprint: entry.finding.fingerprint, attempts: 0,
        createdAt, order: `${createdAt}#${sequence}#${String(index).padStart(6, '0')}`, state: 'pending',
      };
      writes.push([this.collection('outbox').doc(id), doc as unknown as Record<string, unknown>]);
    });
    for (const o of change.observed) {
      writes.push([this.collection('observed').doc(storageId(resourceKey(o))), { scopeKind: `${o.cloud}/${o.account}/${o.kind}`, observed: JSON.stringify(o) }]);
    }
    for (const f of change.findings) {
      writes.push([this.collection('findings').doc(f.fingerprint), {
        status: f.status, cloud: f.cloud, account: f.account, openedAt: f.openedAt,
        resource: resourceKey({ cloud: f.cloud, account: f.account, kind: f.kind, id: f.resource }), finding: JSON.stringify(f),
      }]);
    }
    // All but the last chunk are plain batches; the last is a transaction that checks the claims.
    const chunks: (typeof writes)[] = [];
    for (let start = 0; start < writes.length; start += MAX_WRITES) chunks.push(writes.slice(start, start + MAX_WRITES));
    const last = chunks.length > 0 && (chunks[chunks.length - 1]?.length ?? 0) + change.processed.length <= MAX_WRITES ? chunks.pop() ?? [] : [];
    await this.checkClaims(change);
    for (const chunk of chunks) {
      await this.run('commit', async () => {
        const batch = this.db.batch();
        for (const [ref, data] of chunk) batch.set(ref, data);
        await batch.commit();
      });
    }
    await this.transaction('commit', async (tx) => {
      const refs = change.processed.map((p) => this.collection('processed').doc(storageId(p.key)));
      const claims = refs.length > 0 ? await tx.getAll(...refs) : [];
      change.processed.forEach((p, i) => {
        const claim = claims[i]?.data() as ProcessedDoc | undefined;
        if (p.claimedBy !== undefined && (claim?.status !== 'in-progress' || claim.owner !== p.claimedBy)) {
          throw new ConflictError(`state store: commit refused, nothing written: the claim on ${p.key} is no longer held`);
        }
      });
      for (const [ref, data] of last) tx.set(ref, data);
      change.processed.forEach((p, i) => {
        const expiresMs = Date.parse(p.expiresAt);
        tx.set(refs[i] as DocumentReference, { key: p.key, status: 'done', expiresMs, expireAt: new Date(expiresMs) } satisfies ProcessedDoc);
      });
    });
  }

  /** Before anything of a split commit is written: the claims it names are still the caller's. */
  private async checkClaims(change: StateCommit): Promise<void> {
    for (const p of change.processed) {
      if (p.claimedBy === undefined) continue;
      const claim = (await this.run('commit', () => this.collection('processed').doc(storageId(p.key)).get())).data() as ProcessedDoc | undefined;
      if (claim?.status !== 'in-progress' || claim.owner !== p.claimedBy) {
        throw new ConflictError(`state store: commit refused, nothing written: the claim on ${p.key} is no longer held`);
      }
    }
  }

  private async outboxDocs(state?: OutboxEntry['state'], tx?: Transaction): Promise<OutboxDoc[]> {
    const base = this.collection('outbox');
    const query = state === undefined ? base : base.where('state', '==', state);
    const found = tx ? await tx.get(query) : await query.get();
    return found.docs.map((d) => d.data() as OutboxDoc).sort((a, b) => a.order.localeCompare(b.order));
  }

  async pendingOutbox(limit = 100, now = this.now()): Promise<OutboxEntry[]> {
    return this.run('pendingOutbox', async () => (await this.outboxDocs('pending'))
      .filter((d) => d.nextAttemptMs === undefined || d.nextAttemptMs <= now.getTime()).slice(0, Math.max(limit, 0)).map(entryOf));
  }

  async listOutbox(filter: { state?: OutboxEntry['state'] } = {}): Promise<OutboxEntry[]> {
    return this.run('listOutbox', async () => (await this.outboxDocs(filter.state)).map(entryOf));
  }

  /**
   * Due entries are leased one by one, oldest first, each by an update conditional on it being
   * unchanged since it was read; an entry another worker won is skipped, and so is everything
   * behind it of the same finding and sink (a resolve never overtakes its trigger).
   */
  async leaseOutbox(limit: number, options: LeaseOptions): Promise<OutboxEntry[]> {
    const now = (options.now ?? this.now()).getTime();
    const except = new Set(options.exceptSinks ?? []);
    return this.run('leaseOutbox', async () => {
      const found = await this.collection('outbox').where('state', '==', 'pending').get();
      const pending = found.docs
        .map((snap) => ({ snap, doc: snap.data() as OutboxDoc }))
        .filter(({ doc }) => (options.sink === undefined || doc.sink === options.sink) && !except.has(doc.sink))
        .sort((a, b) => a.doc.order.localeCompare(b.doc.order))
        .map((c) => ({ ...c, sink: c.doc.sink, fingerprint: c.doc.fingerprint, dueAt: c.doc.nextAttemptMs }));
      const leased: OutboxEntry[] = [];
      const lost = new Set<string>();
      for (const { snap, doc } of leasable(pending, pending.length, now)) {
        if (leased.length >= limit) break;
        const key = `${doc.sink}\u0000${doc.fingerprint}`;
        if (lost.has(key)) continue;
        const next: OutboxDoc = { ...doc, leasedBy: options.owner, nextAttemptMs: now + options.leaseMs };
        if (await conditional(() => snap.ref.update({ ...next }, { lastUpdateTime: snap.updateTime }))) leased.push(entryOf(next));
        else lost.add(key);
      }
      return leased;
    });
  }

  /** Changes one entry in a transaction, when `change` says how (undefined: the caller may not); true if it changed. */
  private updateEntry(action: string, id: string, change: (doc: OutboxDoc) => OutboxDoc | 'delete' | undefined): Promise<boolean> {
    const ref = this.collection('outbox').doc(id);
    return this.transaction(action, async (tx) => {
      const doc = (await tx.get(ref)).data() as OutboxDoc | undefined;
      const next = doc && change(doc);
      if (next === 'delete') tx.delete(ref);
      else if (next) tx.set(ref, next);
      return next !== undefined;
    });
  }

  async outboxDelivered(ids: string | readonly string[], owner?: string): Promise<void> {
    // A storm message is one send for several entries: each is deleted (when still the owner's).
    for (const id of typeof ids === 'string' ? [ids] : ids) {
      await this.updateEntry('outboxDelivered', id, (doc) => (owner === undefined || doc.leasedBy === owner ? 'delete' : undefined));
    }
  }

  async outboxFailed(id: string, failure: OutboxFailure, owner?: string): Promise<void> {
    if (failure.notBefore !== undefined && Number.isNaN(Date.parse(failure.notBefore))) {
      throw new NetdriftError(`state store outboxFailed: notBefore ${JSON.stringify(failure.notBefore).slice(0, 60)} is not a date`);
    }
    await this.updateEntry('outboxFailed', id, (doc) => {
      if (doc.state !== 'pending' || (owner !== undefined && doc.leasedBy !== owner)) return undefined;
      const { nextAttemptMs: _due, leasedBy: _owner, ...rest } = doc;
      const retry = failure.retryable && failure.notBefore !== undefined ? { nextAttemptMs: Date.parse(failure.notBefore) } : {};
      return { ...rest, attempts: doc.attempts + 1, lastError: failure.error, state: failure.retryable ? 'pending' : 'rejected', ...retry };
    });
  }

  async outboxReleased(id: string, owner: string, notBefore?: string): Promise<void> {
    if (notBefore !== undefined && Number.isNaN(Date.parse(notBefore))) {
      throw new NetdriftError(`state store outboxReleased: notBefore ${JSON.stringify(notBefore).slice(0, 60)} is not a date`);
    }
    await this.updateEntry('outboxReleased', id, (doc) => {
      if (doc.state !== 'pending' || doc.leasedBy !== owner) return undefined;
      const { nextAttemptMs: _due, leasedBy: _owner, ...rest } = doc;
      return { ...rest, ...(notBefore === undefined ? {} : { nextAttemptMs: Date.parse(notBefore) }) };
    });
  }

  async redriveOutbox(ids?: readonly string[], now = this.now()): Promise<number> {
    const chosen = ids ?? (await this.listOutbox({ state: 'rejected' })).map((e) => e.id);
    let count = 0;
    for (const id of chosen) {
      const redriven = await this.updateEntry('redriveOutbox', id, (doc) => {
        const leased = doc.state === 'pending' && doc.leasedBy !== undefined && (doc.nextAttemptMs ?? 0) > now.getTime();
        if (leased) return undefined;
        const { nextAttemptMs: _due, leasedBy: _owner, ...rest } = doc;
        return { ...rest, state: 'pending', attempts: 0 };
      });
      if (redriven) count += 1;
    }
    return count;
  }

  /** A read, then a write conditional on the window being unchanged; a lost race is tried again a few times. */
  async takeSendSlot(sink: string, limit: { count: number; intervalMs: number; now?: Date }): Promise<SendSlot> {
    const now = (limit.now ?? this.now()).getTime();
    const ref = this.collection('ratelimits').doc(storageId(sink));
    return this.run('takeSendSlot', async () => {
      for (let attempt = 0; attempt < SLOT_ATTEMPTS; attempt += 1) {
        const current = await ref.get();
        const decision = slidingWindowSlot((current.get('sent') as number[] | undefined) ?? [], limit, now);
        if (!decision.ok) return { ok: false, retryAt: new Date(decision.retryAt).toISOString() };
        const written = current.exists
          ? await conditional(() => ref.update({ sent: decision.sent }, { lastUpdateTime: current.updateTime as Timestamp }))
          : await conditional(() => ref.create({ sink, sent: decision.sent }));
        if (written) return { ok: true };
      }
      // Many workers at once: try again shortly rather than wait here.
      return { ok: false, retryAt: new Date(now + 100).toISOString() };
    });
  }

  /** Processed ids and abandoned claims past their TTL (in production, Firestore's TTL policy on `expireAt` does this). */
  async purgeExpired(now: Date): Promise<number> {
    return this.run('purgeExpired', async () => {
      const expired = await this.collection('processed').where('expiresMs', '<=', now.getTime()).get();
      for (let start = 0; start < expired.docs.length; start += MAX_WRITES) {
        const batch = this.db.batch();
        for (const doc of expired.docs.slice(start, start + MAX_WRITES)) batch.delete(doc.ref);
        await batch.commit();
      }
      return expired.size;
    });
  }

  async close(): Promise<void> {
    await this.db.terminate();
  }
}
