/**
 * At most `count` sends per `intervalMs` (a sliding window): `take()` waits for a free slot.
 * One per sink endpoint (Slack: one message a second per webhook; PagerDuty: 120 events a minute
 * per routing key).
 */
export class RateLimiter {
  private readonly sent: number[] = [];

  constructor(
    private readonly count: number,
    private readonly intervalMs: number,
    private readonly clock: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async take(): Promise<void> {
    for (;;) {
      const now = this.clock();
      while (this.sent.length > 0 && (this.sent[0] ?? 0) <= now - this.intervalMs) this.sent.shift();
      if (this.sent.length < this.count) {
        this.sent.push(now);
        return;
      }
      await this.sleep((this.sent[0] ?? now) + this.intervalMs - now);
    }
  }
}
