import type { RateLimit } from '../core/leases.js';
import type { AlertSink, StateStore } from '../core/ports.js';

/**
 * Each sink's rate limit, held across every worker on the state store (DESIGN.md, "Concurrency"):
 * a send takes a slot from the store's sliding window first (Slack: one message a second per
 * webhook; PagerDuty: 120 events a minute per routing key). Never waits: a refused slot says when
 * the sink has room again, and the entries wait in the outbox until then.
 */
export class SharedRateLimits {
  constructor(
    private readonly store: StateStore,
    /** Limits that replace a sink's own (a webhook shared with another tool; tests with short windows). */
    private readonly overrides: Readonly<Record<string, RateLimit>> = {},
  ) {}

  /** The limit of a sink, if it has one. */
  limitOf(sink: AlertSink): RateLimit | undefined {
    return this.overrides[sink.name] ?? sink.rateLimit;
  }

  /** One slot for `sink` now: `undefined` when it may send, else when to try again (epoch ms). */
  async take(sink: AlertSink, now: number): Promise<number | undefined> {
    const limit = this.limitOf(sink);
    if (!limit) return undefined;
    const slot = await this.store.takeSendSlot(sink.name, { ...limit, now: new Date(now) });
    return slot.ok ? undefined : Date.parse(slot.retryAt);
  }
}
