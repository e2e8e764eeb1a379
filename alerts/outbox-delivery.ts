import type { AlertSink, OutboxEntry, StateStore } from '../core/ports.js';
import {
  addReport, DEFAULT_RETRY, deliverLane, deliverLeased, emptyReport, laneNames, leaseMsOf, type DeliverOptions, type DeliveryReport,
} from './deliver.js';
import { withStormIncidents } from './pagerduty-storms.js';

export interface OutboxDeliveryOptions extends DeliverOptions {
  sleep?: (ms: number) => Promise<void>;
}

/** A drain that makes no progress this many passes in a row while entries look due stops (they are leased elsewhere). */
const IDLE_PASSES = 3;
/** A drain whose passes only fail (a sink down) stops after this many in a row: the entries stay for a later run. */
const FAILING_PASSES = 3;

/**
 * Sending the outbox, the three ways its callers need (DESIGN.md, "Concurrency"), and a fourth:
 * - `pass()`: one pass of every sink's lane, never waiting for a rate limit or a Retry-After —
 *   what an event's invocation runs after its commit;
 * - `tick()`: starts a pass of each lane that is not already running — `serve`'s background loop,
 *   so a sink that hangs holds back only its own lane, never another's next pass;
 * - `drain()`: passes until nothing is left or the next entry is due too far off, sleeping until
 *   it is due — for commands that end after sending (`replay --send`, `outbox redrive`).
 * - `sendLeased(entries)`: the entries a commit wrote already leased to the caller — an event's own
 *   alerts, sent without reading the outbox at all.
 * Every lane leases what it sends, so any number of these, in any number of processes, never send
 * one entry twice while its lease holds.
 */
export class OutboxDelivery {
  private readonly running = new Map<string, Promise<DeliveryReport>>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly sinks: ReadonlyMap<string, AlertSink>;

  constructor(
    private readonly store: StateStore,
    sinks: ReadonlyMap<string, AlertSink>,
    private readonly options: OutboxDeliveryOptions = {},
  ) {
    // A PagerDuty storm is one incident, resolved with its last finding: that needs the store.
    this.sinks = withStormIncidents(sinks, store, options);
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** One pass of every lane (joining a lane already running); a store failure is thrown once all have finished. */
  async pass(): Promise<DeliveryReport> {
    const settled = await Promise.allSettled(laneNames(this.sinks).map((name) => this.lane(name)));
    const report = emptyReport();
    for (const lane of settled) {
      if (lane.status === 'rejected') throw lane.reason;
      addReport(report, lane.value);
    }
    return report;
  }

  /**
   * Sends entries a commit leased to `owner` (`StateStore.commitLeasing`, for `leaseMs`), without
   * reading the outbox: what an event's invocation runs for its own alerts (alerts/deliver.ts
   * `deliverLeased`).
   */
  async sendLeased(entries: readonly OutboxEntry[], owner: string): Promise<DeliveryReport> {
    return entries.length === 0 ? emptyReport() : deliverLeased(this.store, this.sinks, entries, owner, this.options);
  }

  /** The lease a commit takes on the entries it hands to `sendLeased`: this delivery's own. */
  get leaseMs(): number {
    return leaseMsOf(this.options);
  }

  /** Starts a pass of every idle lane; each one's report (or failure) goes to `settled` when it ends. */
  tick(settled: (outcome: { report: DeliveryReport } | { error: unknown }) => void): void {
    for (const name of laneNames(this.sinks)) {
      if (this.running.has(name)) continue;
      this.lane(name).then((report) => settled({ report }), (error: unknown) => settled({ error }));
    }
  }

  /**
   * Passes until the outbox is empty, its next entry is due later than the retry policy's
   * `maxWaitMs`, or a few passes in a row sent nothing and failed (a sink down).
   */
  async drain(): Promise<DeliveryReport> {
    const total = emptyReport();
    const maxWaitMs = (this.options.retry ?? DEFAULT_RETRY).maxWaitMs;
    let idle = 0;
    let failing = 0;
    for (;;) {
      const report = await this.pass();
      addReport(total, report);
      idle = report.sent + report.failed.length + report.waiting > 0 ? 0 : idle + 1;
      failing = report.sent === 0 && report.failed.length > 0 ? failing + 1 : 0;
      if (failing >= FAILING_PASSES) return total;
      const pending = await this.store.listOutbox({ state: 'pending' });
      if (pending.length === 0) return total;
      const now = this.now();
      const due = pending.map((e) => (e.nextAttemptAt === undefined ? now : Date.parse(e.nextAttemptAt)));
      const later = due.filter((at) => at > now);
      // Held back by a rate limit: the entries it gave back say when it has room again.
      const next = report.waiting > 0 && later.length > 0 ? Math.min(...later) : Math.min(...due);
      if (next - now > maxWaitMs || (next <= now && idle >= IDLE_PASSES)) return total;
      await this.sleep(Math.max(next - now, 10));
    }
  }

  /** Waits for the lanes running now (serve's shutdown). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  private lane(name: string): Promise<DeliveryReport> {
    let run = this.running.get(name);
    if (!run) {
      run = deliverLane(this.store, this.sinks, name, this.options).finally(() => this.running.delete(name));
      this.running.set(name, run);
    }
    return run;
  }
}
