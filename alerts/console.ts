import { DeliveryError, oneLine } from '../core/errors.js';
import type { Finding } from '../core/finding.js';
import type { AlertSink, FindingGroup } from '../core/ports.js';
import { findingLine, singleLine } from './message.js';

/**
 * Writes one readable line per finding to a stream (stdout by default):
 * `OPEN CRITICAL route.default-added rtb-0a1: 0.0.0.0/0 → nat-0abc on rtb-0a1`; a resolve says what
 * the resource is now: `RESOLVED CRITICAL route.target-changed rtb-0a1: route 0.0.0.0/0 on rtb-0a1 points
 * to nat:nat-01 again, as in the baseline`.
 */
export class ConsoleSink implements AlertSink<string> {
  readonly name: string;
  readonly #stream: NodeJS.WritableStream;

  constructor(stream: NodeJS.WritableStream = process.stdout, name = 'console') {
    this.#stream = stream;
    this.name = name;
  }

  /** The line for a finding (pure): status, severity, rule, resource, and the drift or (resolved) the state now. */
  build(finding: Finding): string {
    const head = `${finding.status.toUpperCase()} ${finding.severity.toUpperCase()} ${finding.rule}`;
    return singleLine(`${head} ${finding.resource}: ${findingLine(finding)}`);
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
