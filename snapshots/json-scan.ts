import type { Hash } from 'node:crypto';
import { ParseError } from '../core/errors.js';

/**
 * A byte scanner that reads a snapshot document (or a part file) chunk by chunk without ever
 * holding it whole: it drops the whitespace outside strings (so each resource comes out in
 * compact form, ready for `JSON.parse` and for hashing) and hands over the elements of the one
 * array that holds the resources as soon as each is complete. It checks only the nesting; each
 * element and the rest of the document are then read by `JSON.parse`, which reports syntax.
 *
 * - `document` mode: a top-level object; the elements of its `resources` member are handed over,
 *   and `end()` returns the rest of the document, compact, with `"resources":[]`.
 * - `array` mode: a top-level array (a part of a folder snapshot); its elements are handed over.
 *
 * In document mode `hash` receives the compact document without its top-level `approval` member:
 * when the file is in canonical form, that is the snapshot's identity (`snapshotSha256`) for the
 * cost of reading it.
 */
export class SnapshotScanner {
  private out = Buffer.allocUnsafe(1 << 20);
  private o = 0;
  private depth = 0;
  private inString = false;
  private escape = false;
  /** Depth at which the handed-over elements live (inside the array), or -1 outside it. */
  private arrayDepth = -1;
  private elementStart = -1;
  private elements = 0;
  /** Document mode: where the last string at depth 1 started and ended in `out` (a key, once `:` follows). */
  private stringStart = -1;
  private stringEnd = -1;
  private memberKey: string | undefined;
  private memberStart = -1;
  private hashedMembers = 0;
  private offset = 0;

  constructor(
    private readonly mode: 'document' | 'array',
    private readonly onElement: (compact: Buffer, index: number) => void,
    private readonly where: string,
    private readonly hash?: Hash,
  ) {
    if (mode === 'document') hash?.update('{');
  }

  write(chunk: Uint8Array): void {
    if (this.o + chunk.length > this.out.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.o + chunk.length));
      this.out.copy(grown, 0, 0, this.o);
      this.out = grown;
    }
    const out = this.out;
    let o = this.o;
    for (let i = 0; i < chunk.length; i += 1) {
      const c = chunk[i] as number;
      if (this.inString) {
        out[o++] = c;
        if (this.escape) this.escape = false;
        else if (c === 0x5c) this.escape = true;
        else if (c === 0x22) {
          this.inString = false;
          if (this.depth === 1) this.stringEnd = o;
        }
        continue;
      }
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
      if (this.depth === this.arrayDepth && this.elementStart < 0) {
        if (c === 0x2c) continue; // the comma between elements: the consumer joins them
        if (c !== 0x7b && c !== 0x5d) this.fail(`resources[${this.elements}]: expected an object`, i);
      }
      if (c === 0x22) {
        this.inString = true;
        out[o++] = c;
        if (this.depth === 1) this.stringStart = o - 1;
        continue;
      }
      if (c === 0x7b || c === 0x5b) {
        if (this.depth === this.arrayDepth) this.elementStart = o;
        out[o++] = c;
        this.depth += 1;
        if (c === 0x5b && this.arrayDepth < 0 && this.startsArray()) {
          this.arrayDepth = this.depth;
          if (this.mode === 'document') this.hashUpTo(o);
        }
        continue;
      }
      if (c === 0x7d || c === 0x5d) {
        out[o++] = c;
        this.depth -= 1;
        if (this.depth < 0) this.fail('unbalanced closing bracket', i);
        if (this.depth === this.arrayDepth && this.elementStart >= 0) {
          const element = out.subarray(this.elementStart, o);
          if (this.mode === 'document') {
            if (this.elements > 0) this.hash?.update(',');
            this.hash?.update(element);
          }
          this.onElement(element, this.elements);
          this.elements += 1;
          o = this.elementStart;
          this.elementStart = -1;
        } else if (this.depth === this.arrayDepth - 1) {
          // The array itself closed.
          this.arrayDepth = -2;
          if (this.mode === 'document') {
            this.hash?.update(']');
            this.memberStart = o;
          }
        }
        if (this.mode === 'document' && this.depth === 0) this.endMember(o - 1);
        continue;
      }
      if (this.mode === 'document' && this.depth === 1) {
        if (c === 0x3a) {
          this.memberKey = this.keyAt(this.stringStart, this.stringEnd, i);
          out[o++] = c;
          this.memberStart = this.stringStart;
          continue;
        }
        if (c === 0x2c) {
          this.endMember(o);
          out[o++] = c;
          continue;
        }
      }
      out[o++] = c;
    }
    this.o = o;
    this.offset += chunk.length;
  }

  /** The document without the handed-over elements, compact; throws when it is cut short. */
  end(): Buffer {
    if (this.depth !== 0 || this.inString || this.o === 0) {
      throw new ParseError(`${this.where}: invalid JSON: the document ends too early (truncated?)`);
    }
    if (this.mode === 'document') this.hash?.update('}');
    return this.out.subarray(0, this.o);
  }

  /** How many elements were handed over. */
  get count(): number {
    return this.elements;
  }

  private startsArray(): boolean {
    if (this.mode === 'array') return this.depth === 1;
    return this.depth === 2 && this.memberKey === 'resources';
  }

  private keyAt(start: number, end: number, at: number): string {
    if (start < 0 || end <= start) this.fail('expected a member name before ":"', at);
    try {
      return JSON.parse(this.out.toString('utf8', start, end)) as string;
    } catch {
      return this.fail('invalid member name', at);
    }
  }

  /** Hashes a finished top-level member (all but `approval`), with the comma before it. */
  private endMember(end: number): void {
    if (this.memberKey === undefined || this.memberStart < 0) return;
    if (this.memberKey === 'resources' && this.arrayDepth === -2) {
      this.memberKey = undefined;
      return;
    }
    if (this.memberKey !== 'approval') {
      if (this.hashedMembers > 0) this.hash?.update(',');
      this.hash?.update(this.out.subarray(this.memberStart, end));
      this.hashedMembers += 1;
    }
    this.memberKey = undefined;
    this.memberStart = -1;
  }

  /** The `resources` member opened: hash `"resources":[` now, since its elements follow one by one. */
  private hashUpTo(end: number): void {
    if (this.hashedMembers > 0) this.hash?.update(',');
    this.hash?.update(this.out.subarray(this.memberStart, end));
    this.hashedMembers += 1;
  }

  private fail(reason: string, at: number): never {
    throw new ParseError(`${this.where}: invalid JSON: ${reason} at byte ${this.offset + at}`);
  }
}
