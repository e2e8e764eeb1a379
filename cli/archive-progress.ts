/** What a replay has done so far. */
export interface ReplayCounts {
  files: number;
  totalFiles: number;
  records: number;
  ignored: number;
  findings: number;
}

/**
 * A replay's progress on stderr: one line redrawn a few times a second when stderr is a terminal
 * (files, records per second, ignored, findings), nothing otherwise, so logs and pipes stay exactly
 * the findings and the rejections.
 */
export class ReplayProgress {
  private readonly started = Date.now();
  private last = 0;
  private drawn = false;

  constructor(private readonly out: NodeJS.WritableStream & { isTTY?: boolean }, private readonly intervalMs = 250) {}

  /** Redraws when the terminal line is older than the interval; cheap to call per record. */
  update(counts: ReplayCounts): void {
    if (!this.out.isTTY) return;
    const now = Date.now();
    if (now - this.last < this.intervalMs) return;
    this.last = now;
    this.draw(counts, now);
  }

  /** The last line, kept on screen. */
  finish(counts: ReplayCounts): void {
    if (!this.out.isTTY) return;
    this.draw(counts, Date.now());
    this.out.write('\n');
  }

  private draw(counts: ReplayCounts, now: number): void {
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const rate = Math.round(counts.records / seconds).toLocaleString('en-US');
    this.out.write(`\r\x1b[2Kreplay: ${counts.files}/${counts.totalFiles} files, ${counts.records.toLocaleString('en-US')} records `
      + `(${rate}/s), ${counts.ignored.toLocaleString('en-US')} ignored, ${counts.findings} findings`);
    this.drawn = true;
  }

  /** Clears the line before other output is written to the same terminal. */
  clear(): void {
    if (this.drawn && this.out.isTTY) this.out.write('\r\x1b[2K');
    this.drawn = false;
  }
}
