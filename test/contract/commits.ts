import type { StateCommit } from '../../core/ports.js';

const HOUR = 3_600_000;

/** A commit of just `change` (every other part empty). */
export function commitOf(change: Partial<StateCommit>): StateCommit {
  return { processed: [], observed: [], findings: [], outbox: [], ...change };
}

/** An ISO time `hours` from now (negative: in the past). */
export function inHours(hours: number): string {
  return new Date(Date.now() + hours * HOUR).toISOString();
}
