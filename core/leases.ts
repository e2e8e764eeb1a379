/**
 * The rules every `StateStore` applies the same way when many workers share it (DESIGN.md,
 * "Concurrency"), written once: which outbox entries a lease may take, and what a shared rate
 * limit allows. The stores make them atomic (a transaction, a conditional write).
 */

/** The part of a pending outbox entry that leasing looks at, oldest first. */
export interface LeaseCandidate {
  sink: string;
  fingerprint: string;
  /** Epoch ms when it is due (a backoff, a Retry-After, another worker's lease); undefined: now. */
  dueAt: number | undefined;
}

/**
 * The entries a lease takes, in order, at most `limit`: due ones, except those behind an older
 * entry of the same finding and sink that is not due (backing off, or leased by another worker),
 * so that a resolve never overtakes its trigger.
 */
export function leasable<T extends LeaseCandidate>(pending: readonly T[], limit: number, now: number): T[] {
  const taken: T[] = [];
  const waiting = new Set<string>();
  for (const entry of pending) {
    if (taken.length >= limit) break;
    const key = `${entry.sink}\u0000${entry.fingerprint}`;
    if (waiting.has(key)) continue;
    if (entry.dueAt !== undefined && entry.dueAt > now) {
      waiting.add(key);
      continue;
    }
    taken.push(entry);
  }
  return taken;
}

export interface RateLimit {
  count: number;
  intervalMs: number;
}

/** What a sliding-window limit decides for one send at `now`, given the sends kept so far (epoch ms). */
export type SlotDecision = { ok: true; sent: number[] } | { ok: false; retryAt: number; sent: number[] };

/**
 * At most `count` sends in any `intervalMs`: the sends still inside the window are kept; a send is
 * allowed when fewer than `count` are, and is then added. A refusal says when the oldest leaves.
 */
export function slidingWindowSlot(previous: readonly number[], limit: RateLimit, now: number): SlotDecision {
  const sent = previous.filter((time) => time > now - limit.intervalMs).sort((a, b) => a - b);
  if (sent.length >= limit.count) {
    const oldest = sent[sent.length - limit.count] ?? now;
    return { ok: false, retryAt: oldest + limit.intervalMs, sent };
  }
  return { ok: true, sent: [...sent, now] };
}
