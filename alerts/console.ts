import { DeliveryError, oneLine } from '../core/errors.js';
import type { Finding } from '../core/finding.js';
import type { AlertSink, FindingGroup } from '../core/ports.js';
import { singleLine } from './message.js';

/**
 * Writes one readable line per finding to a stream (stdout by default):
 * `OPEN CRITICAL route.default-added rtb-0a1: 0.0.0.0/0 → nat-0abc on rtb-0a1`.
 */
export class ConsoleSink implements AlertSink<string> {
  readonly name: string;
  readonly #stream: NodeJS.WritableStream;

  constructor(stream: NodeJS.WritableStream = process.stdout, name = 'console') {
    this.#stream = stream;
    this.name = name;
  }

  /** The line for a finding (pure): status, severity, rule, resource, summary. */
  build(finding: Finding): string {
    const head = `${finding.status.toUpperCase()} ${finding.severity.toUpperCase()} ${finding.rule}`;
    return singleLine(`${head} ${finding.resource}: ${finding.summary}`);
  }

  /**
   * The lines for a storm (pure): each finding's line, prefixed with the group's cause, so that
   * every line still reads (and greps) alone: `[event ev-1] OPEN CRITICAL route.default-added …`.
   */
  buildGroup(group: FindingGroup): string {
    const cause = singleLine(group.cause);
    return group.findings.map((finding) => `[${cause}] ${this.build(finding)}`).join('\n');
  }

  /** Writes the line (or lines) and a newline; a failed write is a retryable `DeliveryError`. */
  send(line: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#stream.write(`${line}\n`, (error) => {
        if (error) reject(new DeliveryError(`${this.name}: write failed: ${oneLine(error)}`, true, undefined, { cause: error }));
        else resolve();
      });
    });
  }
}
