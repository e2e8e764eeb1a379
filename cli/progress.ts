/**
 * Per-region progress of a capture on stderr: redrawn bars on a terminal, one line per finished
 * region otherwise (logs and pipes stay readable).
 */
export class RegionProgress {
  private readonly state = new Map<string, { done: number; total: number }>();
  private drawn = 0;

  constructor(private readonly out: NodeJS.WritableStream & { isTTY?: boolean }, regions: readonly string[]) {
    for (const region of regions) this.state.set(region, { done: 0, total: 1 });
  }

  update(region: string, done: number, total: number): void {
    const previous = this.state.get(region);
    this.state.set(region, { done, total });
    if (this.out.isTTY) this.redraw();
    else if (done >= total && previous?.done !== done) this.out.write(`captured ${region}\n`);
  }

  private redraw(): void {
    const width = Math.max(...[...this.state.keys()].map((r) => r.length));
    const lines = [...this.state].map(([region, { done, total }]) => {
      const filled = Math.round((20 * done) / Math.max(total, 1));
      return `${region.padEnd(width)}  [${'#'.repeat(filled)}${'-'.repeat(20 - filled)}] ${done}/${total}`;
    });
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A`);
    this.out.write(lines.map((l) => `\x1b[2K${l}`).join('\n') + '\n');
    this.drawn = lines.length;
  }
}

/**
 * Progress of a capture made of steps (an Azure subscription's resource types, a GCP project's
 * APIs, the subscriptions or projects of a management group or organisation) on stderr: one
 * redrawn line on a terminal, one line per finished step otherwise.
 */
export class StepProgress {
  constructor(private readonly out: NodeJS.WritableStream & { isTTY?: boolean }, private readonly verb: string) {}

  update(step: string, done: number, total: number): void {
    const count = `${done}/${total}`;
    if (!this.out.isTTY) {
      this.out.write(`${this.verb} ${count} ${step}\n`);
      return;
    }
    const filled = Math.round((20 * done) / Math.max(total, 1));
    this.out.write(`\r\x1b[2K${this.verb} [${'#'.repeat(filled)}${'-'.repeat(20 - filled)}] ${count} ${step}${done >= total ? '\n' : ''}`);
  }
}
