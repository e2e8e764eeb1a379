import { randomUUID } from 'node:crypto';
import { BaselineCache, type BaselineTrust, type IndexedBaseline } from './baseline-cache.js';
import { trustedTime, type ChangeEvent, type OperationPhase, type ParsedRecord } from './change.js';
import { classify, ConflictError, oneLine, OperatorError, type ErrorClass } from './errors.js';
import { Misconfigurations, MISCONFIGURED_RULE } from './misconfigured.js';
import { clip } from './reasons.js';
import { RULE_IDS, type Drift, type Finding } from './finding.js';
import { findingTransitions, outboxEntries, touchedBy, type Provenance } from './finding-transitions.js';
import { nextState, ObservedView, resolveMoves } from './observed-state.js';
import type { CloudAdapter, FindingSelection, OutboxEntry, SnapshotStore, StateCommit, StateReader, StateStore } from './ports.js';
import { normalizeId, type Cloud, type Resource, type ResourceKind, type Scope } from './resource.js';
import { reconcileAccount, type ReconcileOutcome } from './reconcile.js';
import { diffResource } from './rules/index.js';
import { diffChangedItems } from './rules/changed-items.js';
import type { Snapshot } from './snapshot.js';

export interface PipelineOptions {
  /** Tried in order; the first whose `matches` accepts a delivery parses it. */
  adapters: readonly CloudAdapter[];
  snapshots: SnapshotStore;
  state: StateStore;
  /** Live state for every cloud; without one, payloads are applied (DESIGN.md step 3). */
  reader?: StateReader;
  /** Live state per cloud (a function deployed in one cloud reads only that cloud); wins over `reader`. */
  readers?: Partial<Record<Cloud, StateReader>>;
  /** The sinks a finding goes to; one outbox entry each. */
  route: (finding: Finding) => readonly string[];
  /** The suppression (expected change) a newly opened finding falls under: recorded, not sent. */
  suppress?: (finding: Finding) => Finding['suppressed'];
  now?: () => Date;
  /** How long processed event ids are remembered (platforms redeliver for up to 24 h). */
  eventTtlHours?: number;
  /** How long a claim on an event holds before another worker takes it over (its worker presumed dead); default 5 min. */
  claimLeaseMs?: number;
  baselineTtlMs?: number;
  /** Warnings meant for people (an account without a baseline), one line each. */
  warn?: (line: string) => void;
  /**
   * Errors meant for operators: an operator error naming its fix (once per account and cause), a
   * bug with its stack. Default: `warn`.
   */
  error?: (line: string) => void;
  /** Whether a stored baseline may be used (its approval's sha256 and HMAC: snapshots/approval.ts). */
  trustBaseline?: BaselineTrust;
  /**
   * Commit the alerts a store can lease at once (`StateStore.commitLeasing`) leased to `owner`, and
   * give them in the record's outcome (`leased`), for the caller to send without a lease of its own.
   */
  leaseAlerts?: { owner: string; leaseMs: number };
}

export type RecordStatus = 'applied' | 'duplicate' | 'stale' | 'no-baseline' | 'ignored' | 'rejected' | 'failed';

/** What became of one audit record of a delivery. */
export interface RecordOutcome {
  status: RecordStatus;
  index?: number;
  eventId?: string;
  /** Why it was ignored, rejected or failed (one line). */
  reason?: string;
  /** A failed record whose delivery should be retried by the platform. */
  retryable?: boolean;
  /** What a rejected or failed record's error means (DESIGN.md, "Errors: one meaning each"). */
  class?: ErrorClass;
  validationCode?: string;
  opened: Finding[];
  resolved: Finding[];
  /** With `leaseAlerts`: the outbox entries the commit leased to its owner (the others wait for a lease as usual). */
  leased?: OutboxEntry[];
}

export interface DeliveryOutcome {
  adapter?: string;
  records: RecordOutcome[];
}

const NO_FINDINGS = { opened: [], resolved: [] };

/** The open findings an unverified change is compared with: its resource's `change.unverified` one (on no item). */
const UNVERIFIED_ONLY: FindingSelection = { itemRules: RULE_IDS.filter((rule) => rule !== 'change.unverified'), items: [] };

/** Describes a value no adapter accepts, for the one-line rejection. */
function unrecognised(raw: unknown): string {
  if (raw === null) return 'not an event: null';
  if (Array.isArray(raw)) return raw.length === 0 ? 'not an event: empty array' : 'not an event: an array no adapter accepts';
  if (typeof raw !== 'object') return `not an event: ${typeof raw}`;
  const keys = Object.keys(raw).slice(0, 5).map((key) => clip(key, 40)).join(', ');
  return `not a recognised event (keys: ${keys || 'none'})`;
}

/**
 * The one port every entry point calls: a delivery in, findings opened and resolved out,
 * written with their outbox entries in one transaction per audit record (DESIGN.md,
 * "How an event becomes findings"). Sending is the caller's next step (alerts/deliver).
 */
export class Pipeline {
  private readonly baselines: BaselineCache;
  private readonly warned = new Set<string>();
  private readonly now: () => Date;
  private readonly misconfigured: Misconfigurations;

  constructor(private readonly options: PipelineOptions) {
    this.now = options.now ?? (() => new Date());
    const ttl = options.baselineTtlMs ?? 60_000;
    this.baselines = new BaselineCache(options.snapshots, ttl, () => this.now().getTime(), options.trustBaseline);
    this.misconfigured = new Misconfigurations({
      state: options.state, policy: options, now: this.now, log: (line) => this.logError(line), recheckMs: ttl,
    });
  }

  /**
   * The account's baseline as the pipeline uses it, read and trusted (or throws `OperatorError`)
   * through the pipeline's own cache: a caller that must know it loads (serve's readiness) shares
   * the one copy the events use.
   */
  loadBaseline(scope: Scope): Promise<IndexedBaseline | undefined> {
    return this.baselines.get(scope);
  }

  /** Parses and processes one delivery. Never throws for bad input; each record gets an outcome. */
  async handle(raw: unknown): Promise<DeliveryOutcome> {
    const adapter = this.options.adapters.find((a) => a.matches(raw));
    if (!adapter) return { records: [{ status: 'rejected', reason: unrecognised(raw), ...NO_FINDINGS }] };
    const parsed = adapter.parse(raw);
    if (parsed.length === 0) parsed.push({ status: 'rejected', reason: `${adapter.name}: an empty delivery (no audit record in it)` });
    const records: RecordOutcome[] = [];
    for (const record of parsed) records.push(await this.handleRecord(record, adapter.cloud));
    return { adapter: adapter.name, records };
  }

  private async handleRecord(record: ParsedRecord, cloud: Cloud): Promise<RecordOutcome> {
    if (record.status === 'rejected') {
      return { status: 'rejected', reason: record.reason, class: 'bad-input', ...(record.index !== undefined ? { index: record.index } : {}), ...NO_FINDINGS };
    }
    if (record.status === 'ignored') {
      if (record.operation && !record.operation.failed) {
        try {
          await this.settleOperation(cloud, record.operation);
        } catch (error) {
          return this.failed(error, record.eventId);
        }
      }
      return {
        status: 'ignored', reason: `${record.reason}: ${record.detail}`, ...NO_FINDINGS,
        ...(record.eventId ? { eventId: record.eventId } : {}),
        ...(record.validationCode ? { validationCode: record.validationCode } : {}),
      };
    }
    const first = record.changes[0];
    const scope: Scope | undefined = first && { cloud: first.cloud, account: first.account };
    try {
      const outcome: RecordOutcome = {
        eventId: record.eventId, ...(record.index !== undefined ? { index: record.index } : {}),
        ...(await this.applyRecord(record.eventId, record.changes, record.operation)),
      };
      // The account worked again (its baseline loaded, its event committed): its misconfigured findings resolve.
      if (scope && (outcome.status === 'applied' || outcome.status === 'stale' || outcome.status === 'no-baseline')) {
        const settled = await this.misconfigured.settle(scope, record.eventId)
          .catch((error: unknown) => { this.logError(`${MISCONFIGURED_RULE} ${scope.cloud}/${scope.account}: not resolved yet: ${oneLine(error)}`); return []; });
        outcome.resolved = [...outcome.resolved, ...settled];
      }
      return outcome;
    } catch (error) {
      return this.failed(error, record.eventId, scope, record.index);
    }
  }

  /**
   * A record whose processing threw, by what the error means: bad input is rejected (never retried);
   * anything else fails it so the platform retries — an operator error after one loud line naming the
   * fix and one `netdrift.misconfigured` finding per account and cause, a bug with its stack logged.
   */
  private async failed(error: unknown, eventId: string | undefined, scope?: Scope, index?: number): Promise<RecordOutcome> {
    const kind = classify(error);
    const where = { ...(eventId ? { eventId } : {}), ...(index !== undefined ? { index } : {}) };
    if (kind === 'bad-input') return { status: 'rejected', ...where, reason: oneLine(error), class: kind, ...NO_FINDINGS };
    const opened: Finding[] = [];
    if (error instanceof OperatorError) {
      const finding = scope && await this.misconfigured.raise(scope, error, eventId ?? 'netdrift');
      if (finding) opened.push(finding);
      else if (!scope && !this.warned.has(`error:${error.code}`)) {
        this.warned.add(`error:${error.code}`);
        this.logError(`${MISCONFIGURED_RULE}: ${oneLine(error)} — fix: ${error.fix}; its events are retried until then`);
      }
    }
    if (kind === 'bug') this.logError(`bug while processing event ${eventId ?? '(no id)'}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    return { status: 'failed', ...where, reason: oneLine(error), retryable: true, class: kind, opened, resolved: [] };
  }

  private logError(line: string): void {
    (this.options.error ?? this.options.warn)?.(line);
  }

  /**
   * Processes the changes of one audit record and commits them together. `operation` applies
   * DESIGN.md's rule for operations logged twice: act on the first entry; a later successful one
   * is a duplicate; a failed one re-checks what the first changed.
   */
  async applyRecord(eventId: string, changes: readonly ChangeEvent[], operation?: OperationPhase): Promise<Omit<RecordOutcome, 'eventId'>> {
    const first = changes[0];
    if (!first) return { status: 'applied', ...NO_FINDINGS };
    const key = `${first.cloud}:${eventId}`;
    // Of many workers given the same event, one claims it (DESIGN.md, "Concurrency"); its commit marks it done.
    const owner = randomUUID();
    const claim = await this.options.state.claim(key, { leaseMs: this.options.claimLeaseMs ?? 300_000, owner, now: this.now() });
    if (claim === 'done') return { status: 'duplicate', ...NO_FINDINGS };
    if (claim === 'in-progress') {
      return { status: 'failed', reason: `event ${key} is being processed by another worker: retried later`, retryable: true, class: 'transient', ...NO_FINDINGS };
    }
    try {
      // A commit refused because what it read changed meanwhile (another worker committed first; a
      // store that caches reads, as DynamoDbStateStore with `cacheReads`, finds out only then) is
      // redone at once on fresh reads, once; a second refusal fails the record as transient.
      return await this.applyClaimed(key, owner, first, changes, operation).catch((error: unknown) => {
        if (error instanceof ConflictError) return this.applyClaimed(key, owner, first, changes, operation);
        throw error;
      });
    } catch (error) {
      // A retry (by the platform, or at once by another worker) may claim it again.
      await this.options.state.release(key, owner).catch(() => undefined);
      throw error;
    }
  }

  private async applyClaimed(key: string, owner: string, first: ChangeEvent, changes: readonly ChangeEvent[], operation?: OperationPhase): Promise<Omit<RecordOutcome, 'eventId'>> {
    const { state } = this.options;
    const expiresAt = new Date(this.now().getTime() + (this.options.eventTtlHours ?? 48) * 3_600_000).toISOString();
    const commit: StateCommit = { processed: [{ key, expiresAt, claimedBy: owner }], observed: [], findings: [], outbox: [] };
    if (operation) {
      const acted = `${first.cloud}:op:${operation.key}`;
      const failed = `${first.cloud}:op-failed:${operation.key}`;
      const [wasActed, wasFailed] = await Promise.all([state.isProcessed(acted), state.isProcessed(failed)]);
      const skip = (status: 'duplicate' | 'ignored', reason?: string) => state.commit(commit)
        .then(() => ({ status, ...(reason ? { reason } : {}), ...NO_FINDINGS }));
      if (wasFailed) return skip('ignored', `failed-call: operation ${operation.key} failed`);
      if (operation.failed && !wasActed) {
        commit.processed.push({ key: failed, expiresAt });
        return skip('ignored', `failed-call: operation ${operation.key} failed`);
      }
      if (!operation.failed && wasActed) return skip('duplicate');
      if (!operation.failed) commit.processed.push({ key: acted, expiresAt });
    }
    const scope: Scope = { cloud: first.cloud, account: first.account };
    const baseline = await this.baselines.get(scope);
    if (!baseline) {
      this.warnOnce(scope);
      await state.commit(commit);
      return { status: 'no-baseline', ...NO_FINDINGS };
    }
    const view = new ObservedView(state, scope, baseline);
    const opened: Finding[] = [];
    const resolved: Finding[] = [];
    let applied = 0;
    for (const change of changes) {
      const result = await this.applyChange(change, scope, baseline, view);
      if (!result) continue;
      applied += 1;
      opened.push(...result.opened);
      resolved.push(...result.resolved);
      commit.findings.push(...result.opened, ...result.resolved, ...result.touched);
    }
    commit.observed = view.written();
    commit.outbox = outboxEntries(opened, resolved, this.options);
    const lease = this.options.leaseAlerts;
    if (lease && state.commitLeasing && commit.outbox.length > 0) {
      const leased = await state.commitLeasing(commit, { ...lease, now: this.now() });
      return { status: applied > 0 ? 'applied' : 'stale', opened, resolved, leased };
    }
    await state.commit(commit);
    return { status: applied > 0 ? 'applied' : 'stale', opened, resolved };
  }

  private async applyChange(claimed: ChangeEvent, scope: Scope, baseline: IndexedBaseline, view: ObservedView) {
    const change = trustedTime(claimed, this.now()); // a future event time orders nothing (core/change.ts)
    const from: Provenance = { operation: change.operation, eventId: change.eventId, actor: change.actor, eventTime: change.time, clockSkew: change.clockSkew };
    let id = change.id;
    if (!id && change.select) return this.applySelected(change, scope, baseline, view, from);
    if (!id && change.locate) {
      const found = await view.locate(change.kind, change.locate.field, change.locate.match);
      if (!found) return this.unverified(change, scope, Object.values(change.locate.match).join(' '), change.region, from, `no ${change.kind} holds ${JSON.stringify(change.locate.match)}`);
      id = found.id;
    }
    const known = baseline.resource(change.kind, id);
    const region = known?.region ?? change.region;
    const previous = await view.get(change.kind, id);
    if (previous && Date.parse(change.time) < Date.parse(previous.eventTime)) return undefined;

    const { deltas, moved, unlocated } = change.payload.kind === 'delta'
      ? await resolveMoves(view, change, change.payload.deltas)
      : { deltas: [], moved: [], unlocated: [] };
    // Without a reader, an item moved from an unknown holder leaves both sides unknown.
    const reader = this.readerFor(change.cloud);
    if (unlocated.length > 0 && !reader) {
      return this.unverified(change, scope, known?.id ?? id, region, from, `no ${change.kind} holds ${unlocated.map((m) => JSON.stringify(m)).join(', ')}`);
    }
    const next = await nextState(change, known?.id ?? id, region, view, reader, deltas);
    if (!next.verified) return this.unverified(change, scope, known?.id ?? id, region, from, next.reason);

    const before = previous ? previous.state : known;
    const results = [await this.settle(scope, baseline, view, change.kind, known?.id ?? id, region, before, next.state, from)];
    for (const move of moved) {
      results.push(await this.settle(scope, baseline, view, change.kind, move.source.id, move.source.region, move.source, move.sourceAfter, from));
    }
    return {
      opened: results.flatMap((r) => r.opened),
      resolved: results.flatMap((r) => r.resolved),
      touched: results.flatMap((r) => r.touched),
    };
  }

  /** A change to each resource a selector picks, in the baseline, the observed state and (where it can tell) the live state. */
  private async applySelected(change: ChangeEvent, scope: Scope, baseline: IndexedBaseline, view: ObservedView, from: Provenance) {
    const selector = change.select ?? {};
    const known = await view.select(change.kind, selector);
    const reader = this.readerFor(change.cloud);
    const live = (await reader?.select?.(scope, change.kind, selector)) ?? [];
    const ids = new Map([...live, ...known].map((id) => [normalizeId(scope.cloud, id), id]));
    // A delete of whatever a selector picks (a router's other NATs) that picks nothing is no change; nor is a
    // selection by prefix (an Azure VNet's subnets or peerings) that picks nothing: it names no resource to report.
    const nothingToDo = change.action === 'delete' || (selector.except?.length ?? 0) > 0 || selector.contains === undefined;
    if (ids.size === 0 && !reader && !nothingToDo) {
      const what = selector.contains ?? selector.containsPrefix ?? selector.idPrefix ?? change.operation;
      return this.unverified(change, scope, what, change.region, from, `no ${change.kind} is known to hold ${what}`);
    }
    const result = { opened: [] as Finding[], resolved: [] as Finding[], touched: [] as Finding[] };
    for (const id of ids.values()) {
      const one = await this.applyChange({ ...change, id, select: undefined }, scope, baseline, view);
      if (!one) continue;
      result.opened.push(...one.opened);
      result.resolved.push(...one.resolved);
      result.touched.push(...one.touched);
    }
    return result;
  }

  /** Records a resource's new state and turns its drifts into finding transitions. */
  private async settle(
    scope: Scope, baseline: IndexedBaseline, view: ObservedView,
    kind: ResourceKind, id: string, region: string, before: Resource | null | undefined, state: Resource | null, from: Provenance,
  ) {
    view.set({ cloud: scope.cloud, account: scope.account, kind, id, region, state, eventTime: from.eventTime, eventId: from.eventId });
    // DESIGN.md, "Trust": with a reader, `state` is what it read; without one, only a payload vouches for a resolve.
    const resolvedBy = this.readerFor(scope.cloud) ? undefined : 'payload';
    const now = this.now().toISOString();
    const ctx = { cloud: scope.cloud };
    // Only the items this event changed are compared with their findings: cost per event does not grow with the findings open.
    const changed = diffChangedItems(baseline.resource(kind, id), before ?? undefined, state ?? undefined, ctx);
    const open = await this.options.state.openFindings(scope, kind, id, changed?.only);
    if (changed) return findingTransitions(scope, changed.drifts, open.filter(changed.covers), from, now, true, resolvedBy, changed.touches);
    const drifts = diffResource(baseline.resource(kind, id), state ?? undefined, ctx);
    // Only findings on the items this event changed carry its id (a repeat touches them all).
    const touches = touchedBy(scope.cloud, before ?? undefined, state ?? undefined);
    return findingTransitions(scope, drifts, open, from, now, true, resolvedBy, touches);
  }

  private async unverified(change: ChangeEvent, scope: Scope, resource: string, region: string, from: Provenance, reason: string) {
    const drift: Drift = {
      rule: 'change.unverified', severity: 'high', kind: change.kind, resource, region, item: '',
      summary: `${change.operation} changed ${change.kind} ${resource}, but its new state is unknown: ${reason}`,
      hint: `Compare ${resource} with its baseline by hand, or configure a state reader so netdrift can read it back.`,
      observed: { operation: change.operation },
    };
    // Unverified, it resolves nothing: of the open findings, only a change.unverified one can match.
    const open = await this.options.state.openFindings(scope, change.kind, resource, UNVERIFIED_ONLY);
    return findingTransitions(scope, [drift], open.filter((f) => f.rule === 'change.unverified'), from, this.now().toISOString(), false);
  }

  /**
   * Diffs a full capture of an account against its baseline (scheduled reconcile), so drift
   * that no event reported is found within one interval.
   */
  async reconcile(live: Snapshot, options: { runId?: string; regions?: readonly string[] } = {}): Promise<ReconcileOutcome> {
    const eventId = options.runId ?? `reconcile:${this.now().toISOString()}`;
    const from: Provenance = { operation: 'reconcile', eventId, actor: { principal: 'netdrift reconcile' }, eventTime: live.capturedAt };
    const deps = { state: this.options.state, baselines: this.baselines, policy: this.options, now: this.now };
    const outcome = await reconcileAccount(deps, live, from, options.regions);
    if (!outcome.compared) this.warnOnce(live.scope);
    return outcome;
  }

  /** Marks an operation as acted on, so that its later entries are duplicates. */
  private async settleOperation(cloud: Cloud, operation: OperationPhase): Promise<void> {
    const expiresAt = new Date(this.now().getTime() + (this.options.eventTtlHours ?? 48) * 3_600_000).toISOString();
    await this.options.state.commit({ processed: [{ key: `${cloud}:op:${operation.key}`, expiresAt }], observed: [], findings: [], outbox: [] });
  }

  private readerFor(cloud: Cloud): StateReader | undefined {
    return this.options.readers?.[cloud] ?? this.options.reader;
  }

  private warnOnce(scope: Scope): void {
    const key = `${scope.cloud}/${scope.account}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    const account = `--cloud ${scope.cloud} --account ${scope.account}`;
    const regions = scope.cloud === 'aws' ? ' --regions REGION,...' : '';
    this.options.warn?.(`no approved baseline for ${key}: its events yield no findings until one is approved `
      + `(netdrift snapshot capture ${account}${regions}, then netdrift snapshot approve ${account})`);
  }
}
