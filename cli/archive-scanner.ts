/**
 * An incremental JSON scanner for archives: it is fed the file's bytes chunk by chunk and reports, without
 * building the file as one string or one value, each top-level JSON value of the stream, or, when that
 * value is an array or an object whose first key is `Records`/`records` (a CloudTrail log file, a
 * pre-2018 Azure export), each element of that array as its own text. It only tracks strings and
 * brackets; `JSON.parse` of a text checks the rest.
 *
 * It works on bytes, not decoded text: every byte JSON's structure is made of is ASCII, and no byte of
 * a multi-byte UTF-8 sequence is (RFC 3629, section 3), so brackets and quotes are found without
 * decoding; only what is reported is decoded. For elements it also captures a few top-level string
 * fields (`eventSource`, `eventName`, ...), so that a record nobody watches is counted as skipped with
 * nothing decoded, copied or parsed: that is most of an archive.
 */

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, COLON = 0x3a;
const LBRACE = 0x7b, RBRACE = 0x7d, LBRACKET = 0x5b, RBRACKET = 0x5d;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** What the scanner found, in stream order. */
export type ScanEvent =
  /** One element of a streamed array, needed (or not judged: not an object). */
  | { kind: 'element'; index: number; text: string }
  /** `count` elements in a row, from `index` on, that `wanted` said from their captured fields are not needed. */
  | { kind: 'skipped'; index: number; count: number }
  /** A whole top-level value (not streamed). */
  | { kind: 'value'; text: string }
  /** A `Records`/`records` array with no element: the whole value, rebuilt. */
  | { kind: 'empty'; text: string }
  /** The stream is not JSON from here on; nothing more is reported. */
  | { kind: 'error'; index: number | undefined; message: string };

/** An element's captured top-level fields, by their position in the capture list; a string is made only when asked for. */
export interface CapturedFields {
  /** The field's string value; null when present but not a plain string (escaped, or not a string); undefined when absent. */
  value(field: number): string | null | undefined;
  has(field: number): boolean;
  /** Is the field a plain string that is not empty? Told without making the string. */
  nonEmpty(field: number): boolean;
  /** Is the field a plain string of exactly these bytes? Compared in place. */
  is(field: number, bytes: Uint8Array): boolean;
}

// Where a captured field's value is, per field: its bytes [start, end), or one of these.
const ABSENT = -1, NOT_PLAIN = -2;

// Numbers, not strings: the mode is checked at every structural byte.
const BETWEEN = 0, HEAD = 1, WHOLE = 2, SCALAR = 3, ELEMENTS = 4, TAIL = 5;
type Mode = typeof BETWEEN | typeof HEAD | typeof WHOLE | typeof SCALAR | typeof ELEMENTS | typeof TAIL;

/** How much of a new chunk is copied to finish an element the previous chunk began: more than most records. */
const BRIDGE = 1 << 16;

const RECORDS_KEYS = ['Records', 'records'].map((key) => Buffer.from(`"${key}"`));

/**
 * At `at`, just after a document's `{` and its spaces: the end of `"Records": [` (or `"records"`), -1
 * when the first key is another, 0 when the bytes so far cannot tell.
 */
function recordsHead(buf: Buffer, at: number, atEnd: boolean): { end: number; key: string } | -1 | 0 {
  for (const key of RECORDS_KEYS) {
    let i = 0;
    while (i < key.length && at + i < buf.length && buf[at + i] === key[i]) i += 1;
    if (at + i >= buf.length && i < key.length) return atEnd ? -1 : 0;
    if (i < key.length) continue;
    let j = at + i;
    let colon = false;
    for (; j < buf.length; j += 1) {
      const c = buf[j]!;
      if (isSpace(c)) continue;
      if (c === COLON && !colon) { colon = true; continue; }
      if (c === LBRACKET && colon) return { end: j + 1, key: key.toString('latin1', 1, key.length - 1) };
      return -1;
    }
    return atEnd ? -1 : 0;
  }
  return -1;
}

/** Feed chunks with `push`, then call `end`; both return what was found. */
export class ArchiveScanner {
  private buf: Buffer = Buffer.alloc(0);
  private work: Buffer = Buffer.alloc(0);
  /** How many bytes of the stream came before `buf`, for positions in messages. */
  private base = 0;
  private pos = 0;
  private depth = 0;
  private mode: Mode = BETWEEN;
  private start = 0;
  private elemDepth = 0;
  private elemStart = 0;
  private elemIsObject = false;
  private index = 0;
  private key = '';
  private keyNext = false;
  private pendingKey: number | undefined;
  private failed = false;
  private skippedFrom = 0;
  private skipped = 0;
  private readonly captureKeys: readonly Buffer[];
  private readonly fieldStart: Int32Array;
  private readonly fieldEnd: Int32Array;
  /** What `wanted` reads: the fields of the element that just ended, in `buf`. */
  private readonly fields: CapturedFields = {
    value: (field) => {
      const start = this.fieldStart[field]!;
      return start === ABSENT ? undefined : start === NOT_PLAIN ? null : this.buf.toString('latin1', start, this.fieldEnd[field]);
    },
    has: (field) => this.fieldStart[field] !== ABSENT,
    nonEmpty: (field) => this.fieldStart[field]! >= 0 && this.fieldEnd[field]! > this.fieldStart[field]!,
    is: (field, bytes) => {
      const start = this.fieldStart[field]!;
      return start >= 0 && this.fieldEnd[field]! - start === bytes.length && sameBytes(this.buf, start, bytes);
    },
  };
  /** 1 at the byte lengths of the captured keys. */
  private readonly captureLengths: Uint8Array;

  /**
   * @param capture top-level keys (ASCII) of an element whose string values `wanted` may read, by position
   * @param wanted decides from the captured fields whether an element object is needed at all
   */
  constructor(capture: readonly string[], private readonly wanted: (fields: CapturedFields) => boolean) {
    this.captureKeys = capture.map((name) => Buffer.from(name, 'latin1'));
    this.captureLengths = new Uint8Array(Math.max(0, ...this.captureKeys.map((key) => key.length)) + 1);
    for (const key of this.captureKeys) this.captureLengths[key.length] = 1;
    this.fieldStart = new Int32Array(capture.length).fill(ABSENT);
    this.fieldEnd = new Int32Array(capture.length);
  }

  push(chunk: Buffer): ScanEvent[] {
    if (this.failed) return [];
    const events: ScanEvent[] = [];
    const carried = this.buf.length;
    if (carried === 0) {
      this.buf = chunk;
      this.scan(events, false);
    } else {
      // What a pending element still needs is carried over, joined with the start of the new chunk only:
      // once the element ends there, scanning goes on in the chunk itself, not in a copy of it.
      const bridge = Math.min(chunk.length, BRIDGE);
      this.buf = this.joined(chunk.subarray(0, bridge));
      this.scan(events, false);
      if (bridge < chunk.length) {
        if (this.keepFrom() >= carried && !this.failed) {
          this.rebase(carried);
          this.buf = chunk;
        } else {
          this.buf = this.joined(chunk.subarray(bridge));
        }
        this.scan(events, false);
      }
    }
    this.flushSkipped(events);
    this.compact();
    return events;
  }

  end(): ScanEvent[] {
    if (this.failed) return [];
    const events: ScanEvent[] = [];
    this.scan(events, true);
    this.flushSkipped(events);
    if (this.failed) return events;
    if (this.mode === SCALAR) events.push({ kind: 'value', text: this.buf.toString('utf8', this.start) });
    else if (this.mode !== BETWEEN) {
      events.push({ kind: 'error', index: this.mode === ELEMENTS ? this.index : undefined, message: 'unexpected end of JSON input' });
    }
    this.failed = true;
    return events;
  }

  /** Where what a pending value or element still needs starts. */
  private keepFrom(): number {
    return this.mode === WHOLE || this.mode === SCALAR || this.mode === HEAD ? this.start
      : this.mode === ELEMENTS ? this.elemStart : this.pos;
  }

  /** Positions as if `by` bytes at the start of `buf` were gone. */
  private rebase(by: number): void {
    this.base += by;
    this.pos -= by; this.start -= by; this.elemStart -= by;
    for (let field = 0; field < this.fieldStart.length; field += 1) {
      if (this.fieldStart[field]! >= 0) { this.fieldStart[field]! -= by; this.fieldEnd[field]! -= by; }
    }
  }

  /** Drops what no pending value or element needs any more. */
  private compact(): void {
    const keep = this.keepFrom();
    if (keep === 0) return;
    this.buf = this.buf.subarray(keep);
    this.rebase(keep);
  }

  /**
   * `buf` followed by `more`, in a buffer that is reused and grows by doubling: a long value (one
   * not streamed) is appended to in place, not copied again for every chunk.
   */
  private joined(more: Buffer): Buffer {
    const length = this.buf.length + more.length;
    const inPlace = this.buf.buffer === this.work.buffer && this.buf.byteOffset === this.work.byteOffset;
    if (length > this.work.length) {
      const work = Buffer.allocUnsafe(Math.max(length * 2, BRIDGE * 2));
      this.buf.copy(work, 0);
      this.work = work;
    } else if (!inPlace) {
      this.buf.copy(this.work, 0); // a move when the remainder lies in the same buffer further on
    }
    more.copy(this.work, this.buf.length);
    return this.work.subarray(0, length);
  }

  private fail(events: ScanEvent[], message: string): void {
    this.flushSkipped(events);
    events.push({ kind: 'error', index: this.mode === ELEMENTS ? this.index : undefined, message });
    this.failed = true;
  }

  private unexpected(events: ScanEvent[], at: number): void {
    this.fail(events, `unexpected "${String.fromCharCode(this.buf[at]!)}" at byte ${this.base + at}`);
  }

  private flushSkipped(events: ScanEvent[]): void {
    if (this.skipped === 0) return;
    events.push({ kind: 'skipped', index: this.skippedFrom, count: this.skipped });
    this.skipped = 0;
  }

  private emitElement(events: ScanEvent[], end: number): void {
    if (!this.elemIsObject && this.blank(this.elemStart, end)) {
      if (this.index > 0) this.fail(events, `trailing comma at element ${this.index}`);
      return;
    }
    if (this.elemIsObject && !this.wanted(this.fields)) {
      if (this.skipped === 0) this.skippedFrom = this.index;
      this.skipped += 1;
    } else {
      this.flushSkipped(events);
      events.push({ kind: 'element', index: this.index, text: this.buf.toString('utf8', this.elemStart, end) });
    }
    this.index += 1;
  }

  private startElement(at: number): void {
    this.elemStart = at;
    this.elemIsObject = false;
    for (let field = 0; field < this.fieldStart.length; field += 1) this.fieldStart[field] = ABSENT;
    this.pendingKey = undefined;
  }

  private scan(events: ScanEvent[], atEnd: boolean): void {
    const buf = this.buf;
    const n = buf.length;
    let i = this.pos;
    while (i < n && !this.failed) {
      if (this.mode === ELEMENTS) {
        i = this.scanElements(events, i);
        if (this.mode === ELEMENTS) break; // the chunk ended inside the array
        continue;
      }
      const c = buf[i]!;
      if (this.mode === BETWEEN) {
        if (isSpace(c)) { i += 1; continue; }
        this.start = i;
        if (c === LBRACE) { this.mode = HEAD; this.depth = 1; i += 1; continue; }
        if (c === LBRACKET) { this.mode = ELEMENTS; this.depth = 1; this.elemDepth = 1; this.index = 0; this.startElement(i + 1); i += 1; continue; }
        if (c === RBRACE || c === RBRACKET || c === COMMA || c === COLON) { this.unexpected(events, i); break; }
        if (c !== QUOTE) { this.mode = SCALAR; i += 1; continue; }
        this.mode = WHOLE;
      }
      if (this.mode === SCALAR) {
        if (isSpace(c)) { events.push({ kind: 'value', text: buf.toString('utf8', this.start, i) }); this.mode = BETWEEN; }
        i += 1;
        continue;
      }
      if (this.mode === HEAD) {
        if (isSpace(c)) { i += 1; continue; }
        const head = recordsHead(buf, i, atEnd);
        if (head === 0) break;
        if (head !== -1) {
          this.key = head.key;
          this.mode = ELEMENTS; this.depth = 2; this.elemDepth = 2; this.index = 0;
          i = head.end;
          this.startElement(i);
          continue;
        }
        this.mode = WHOLE;
      }
      // WHOLE (a value not streamed) or TAIL (what follows a Records array): strings and brackets only.
      if (c === QUOTE) {
        const close = stringEnd(buf, i + 1);
        if (close < 0) break; // the string goes on in the next chunk: scanned again from its quote
        i = close + 1;
        if (this.mode === WHOLE && this.depth === 0) { events.push({ kind: 'value', text: buf.toString('utf8', this.start, i) }); this.mode = BETWEEN; }
        continue;
      }
      if (c === LBRACE || c === LBRACKET) this.depth += 1;
      else if (c === RBRACE || c === RBRACKET) {
        this.depth -= 1;
        if (this.depth < 0) { this.unexpected(events, i); break; }
        if (this.depth === 0) {
          if (this.mode === WHOLE) events.push({ kind: 'value', text: buf.toString('utf8', this.start, i + 1) });
          this.mode = BETWEEN;
        }
      }
      i += 1;
    }
    this.pos = i;
  }

  /**
   * The hot loop, inside a streamed array, where nearly every byte of an archive is: state in locals,
   * one comparison for most bytes. Returns where it stopped: at the end of the bytes so far (or of the
   * last whole string in them), or past the array's closing bracket (the mode then says what follows).
   */
  private scanElements(events: ScanEvent[], from: number): number {
    const buf = this.buf;
    const n = buf.length;
    const elemDepth = this.elemDepth;
    const fieldDepth = elemDepth + 1;
    const lengths = this.captureLengths;
    let depth = this.depth;
    let isObject = this.elemIsObject;
    let keyNext = this.keyNext;
    let pending = this.pendingKey;
    let i = from;
    while (i < n) {
      const c = buf[i]!;
      if (c === QUOTE) {
        // To the closing quote: one comparison a byte, then a look back. A quote after an odd run of
        // backslashes is escaped, part of the string (\uXXXX's hex digits are no quotes).
        let j = i + 1;
        for (;;) {
          while (j < n && buf[j] !== QUOTE) j += 1;
          if (j >= n) break;
          let k = j - 1;
          while (buf[k] === BACKSLASH) k -= 1; // stops at the opening quote at the latest
          if (((j - 1 - k) & 1) === 0) break;
          j += 1;
        }
        if (j >= n) break; // the string goes on in the next chunk: scanned again from its quote
        if (depth === fieldDepth && isObject) {
          if (keyNext) {
            keyNext = false;
            const length = j - i - 1;
            // Most keys are not captured, told by their length alone; the rest compared in place, no string made.
            if (length < lengths.length && lengths[length] === 1) pending = this.capturedKey(buf, i + 1, length);
          } else if (pending !== undefined) {
            // An escaped value is left to JSON.parse: the element is then parsed, never dropped unread.
            if (!hasByte(buf, BACKSLASH, i + 1, j)) { this.fieldStart[pending] = i + 1; this.fieldEnd[pending] = j; }
            pending = undefined;
          }
        }
        i = j + 1;
        continue;
      }
      if (c === COMMA) {
        if (depth === elemDepth) {
          this.elemIsObject = isObject;
          this.emitElement(events, i);
          if (this.failed) break;
          this.startElement(i + 1);
          isObject = false;
          pending = undefined;
        } else if (depth === fieldDepth) {
          keyNext = isObject;
          pending = undefined;
        }
      } else if ((c | 0x20) === LBRACE) { // { or [
        if (depth === elemDepth) {
          isObject = c === LBRACE && this.blank(this.elemStart, i);
          keyNext = isObject;
        }
        depth += 1;
      } else if ((c | 0x20) === RBRACE) { // } or ]
        depth -= 1;
        if (depth < elemDepth) {
          this.elemIsObject = isObject;
          this.emitElement(events, i);
          if (this.failed) break;
          if (this.index === 0 && elemDepth === 2) { this.flushSkipped(events); events.push({ kind: 'empty', text: `{"${this.key}":[]}` }); }
          this.mode = depth === 0 ? BETWEEN : TAIL;
          i += 1;
          break;
        }
      }
      i += 1;
    }
    this.depth = depth;
    this.elemIsObject = isObject;
    this.keyNext = keyNext;
    this.pendingKey = pending;
    return i;
  }

  /** The captured field whose key is spelled by `length` bytes at `at` (recorded as present), or undefined. */
  private capturedKey(buf: Buffer, at: number, length: number): number | undefined {
    for (let field = 0; field < this.captureKeys.length; field += 1) {
      const key = this.captureKeys[field]!;
      if (key.length !== length || !sameBytes(buf, at, key)) continue;
      this.fieldStart[field] = NOT_PLAIN;
      return field;
    }
    return undefined;
  }

  private blank(from: number, to: number): boolean {
    for (let k = from; k < to; k += 1) if (!isSpace(this.buf[k]!)) return false;
    return true;
  }
}

/** The index of the quote that closes a string whose content starts at `from`; -1 when it is not in `buf` yet. */
function stringEnd(buf: Buffer, from: number): number {
  let j = from;
  while (j < buf.length) {
    const d = buf[j]!;
    if (d === QUOTE) return j;
    j += d === BACKSLASH ? 2 : 1;
  }
  return -1;
}

function hasByte(buf: Buffer, byte: number, from: number, to: number): boolean {
  for (let k = from; k < to; k += 1) if (buf[k] === byte) return true;
  return false;
}

function sameBytes(buf: Buffer, at: number, key: Uint8Array): boolean {
  for (let k = 0; k < key.length; k += 1) if (buf[at + k] !== key[k]) return false;
  return true;
}
