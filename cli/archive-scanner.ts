/**
 * An incremental JSON scanner for archives: it is fed text chunks and reports, without building
 * the file as one string or one value, each top-level JSON value of the stream, or, when that value
 * is an array or an object whose first key is `Records`/`records` (a CloudTrail log file, a
 * pre-2018 Azure export), each element of that array as its own slice. It only tracks strings and
 * brackets; `JSON.parse` of a slice checks the rest. For elements it also captures a few top-level
 * string fields (`eventSource`, `eventName`), so a record nobody watches can be dropped unparsed.
 */

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, COLON = 0x3a;
const LBRACE = 0x7b, RBRACE = 0x7d, LBRACKET = 0x5b, RBRACKET = 0x5d;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** What the scanner found, in stream order. */
export type ScanEvent =
  /** One element of a streamed array; no text when `wanted` said from its captured fields that it is not needed. */
  | { kind: 'element'; index: number; text: string | undefined }
  /** A whole top-level value (not streamed). */
  | { kind: 'value'; text: string }
  /** A `Records`/`records` array with no element: the whole value, rebuilt. */
  | { kind: 'empty'; text: string }
  /** The stream is not JSON from here on; nothing more is reported. */
  | { kind: 'error'; index: number | undefined; message: string };

type Mode = 'between' | 'head' | 'whole' | 'scalar' | 'elements' | 'tail';

const RECORDS_HEAD = /"(Records|records)"\s*:\s*\[/y;

/** Feed chunks with `push`, then call `end`; both return what was found. */
export class ArchiveScanner {
  private buf = '';
  private pos = 0;
  private depth = 0;
  private mode: Mode = 'between';
  private start = 0;
  private elemDepth = 0;
  private elemStart = 0;
  private elemIsObject = false;
  private index = 0;
  private key = '';
  private keyNext = false;
  private pendingKey: string | undefined;
  private failed = false;
  private readonly fields = new Map<string, string | null>();
  private readonly captureLengths: Set<number>;

  /**
   * @param capture top-level keys of an element whose string values are reported
   * @param wanted decides from the captured fields whether an element's text is needed at all
   */
  constructor(private readonly capture: ReadonlySet<string>, private readonly wanted: (fields: ReadonlyMap<string, string | null>) => boolean) {
    this.captureLengths = new Set([...capture].map((k) => k.length));
  }

  push(chunk: string): ScanEvent[] {
    if (this.failed) return [];
    this.buf = this.buf.length === 0 ? chunk : this.buf + chunk;
    const events: ScanEvent[] = [];
    this.scan(events, false);
    this.compact();
    return events;
  }

  end(): ScanEvent[] {
    if (this.failed) return [];
    const events: ScanEvent[] = [];
    this.scan(events, true);
    if (this.failed) return events;
    if (this.mode === 'scalar') events.push({ kind: 'value', text: this.buf.slice(this.start) });
    else if (this.mode !== 'between') {
      events.push({ kind: 'error', index: this.mode === 'elements' ? this.index : undefined, message: 'unexpected end of JSON input' });
    }
    this.failed = true;
    return events;
  }

  /** Drops what no pending value or element needs any more. */
  private compact(): void {
    const keep = this.mode === 'whole' || this.mode === 'scalar' || this.mode === 'head' ? this.start
      : this.mode === 'elements' ? this.elemStart : this.pos;
    if (keep === 0) return;
    this.buf = this.buf.slice(keep);
    this.pos -= keep; this.start -= keep; this.elemStart -= keep;
  }

  private fail(events: ScanEvent[], message: string): void {
    events.push({ kind: 'error', index: this.mode === 'elements' ? this.index : undefined, message });
    this.failed = true;
  }

  private emitElement(events: ScanEvent[], end: number): void {
    const raw = this.buf.slice(this.elemStart, end);
    if (raw.trim() === '') {
      if (this.index > 0) this.fail(events, `trailing comma at element ${this.index}`);
      return;
    }
    const text = this.elemIsObject && !this.wanted(this.fields) ? undefined : raw;
    events.push({ kind: 'element', index: this.index, text });
    this.index += 1;
  }

  private startElement(at: number): void {
    this.elemStart = at;
    this.elemIsObject = false;
    this.fields.clear();
    this.pendingKey = undefined;
  }

  private scan(events: ScanEvent[], atEnd: boolean): void {
    const buf = this.buf;
    const n = buf.length;
    let i = this.pos;
    while (i < n && !this.failed) {
      const c = buf.charCodeAt(i);
      if (this.mode === 'between') {
        if (isSpace(c)) { i += 1; continue; }
        this.start = i;
        if (c === LBRACE) { this.mode = 'head'; this.depth = 1; i += 1; continue; }
        if (c === LBRACKET) { this.mode = 'elements'; this.depth = 1; this.elemDepth = 1; this.startElement(i + 1); i += 1; continue; }
        if (c === RBRACE || c === RBRACKET || c === COMMA || c === COLON) { this.fail(events, `unexpected "${buf[i]}" at character ${i}`); break; }
        if (c !== QUOTE) { this.mode = 'scalar'; i += 1; continue; }
        this.mode = 'whole';
      }
      if (this.mode === 'scalar') {
        if (isSpace(c)) { events.push({ kind: 'value', text: buf.slice(this.start, i) }); this.mode = 'between'; }
        i += 1;
        continue;
      }
      if (this.mode === 'head') {
        if (isSpace(c)) { i += 1; continue; }
        RECORDS_HEAD.lastIndex = i;
        const head = RECORDS_HEAD.exec(buf);
        if (head) {
          this.key = head[1] ?? 'Records';
          this.mode = 'elements'; this.depth = 2; this.elemDepth = 2; this.index = 0;
          i = RECORDS_HEAD.lastIndex;
          this.startElement(i);
          continue;
        }
        if (c === QUOTE && n - i < 64 && !atEnd) break;
        this.mode = 'whole';
      }
      if (c === QUOTE) {
        let j = buf.indexOf('"', i + 1);
        while (j > 0) {
          let slashes = 0;
          while (buf.charCodeAt(j - 1 - slashes) === BACKSLASH) slashes += 1;
          if (slashes % 2 === 0) break;
          j = buf.indexOf('"', j + 1);
        }
        if (j < 0) break;
        if (this.mode === 'elements' && this.depth === this.elemDepth + 1 && this.elemIsObject) this.sawString(buf, i, j);
        i = j + 1;
        if (this.mode === 'whole' && this.depth === 0) { events.push({ kind: 'value', text: buf.slice(this.start, i) }); this.mode = 'between'; }
        continue;
      }
      if (c === LBRACE || c === LBRACKET) {
        if (this.mode === 'elements' && this.depth === this.elemDepth) {
          this.elemIsObject = c === LBRACE && this.blank(buf, this.elemStart, i);
          this.keyNext = this.elemIsObject;
        }
        this.depth += 1;
      } else if (c === RBRACE || c === RBRACKET) {
        this.depth -= 1;
        if (this.depth < 0) { this.fail(events, `unexpected "${buf[i]}" at character ${i}`); break; }
        if (this.mode === 'elements' && this.depth === this.elemDepth - 1) {
          this.emitElement(events, i);
          if (this.failed) break;
          if (this.index === 0 && this.elemDepth === 2) events.push({ kind: 'empty', text: `{"${this.key}":[]}` });
          this.mode = this.depth === 0 ? 'between' : 'tail';
        } else if (this.depth === 0) {
          if (this.mode === 'whole') events.push({ kind: 'value', text: buf.slice(this.start, i + 1) });
          this.mode = 'between';
        }
      } else if (c === COMMA && this.mode === 'elements') {
        if (this.depth === this.elemDepth) {
          this.emitElement(events, i);
          if (this.failed) break;
          this.startElement(i + 1);
        } else if (this.depth === this.elemDepth + 1) {
          this.keyNext = this.elemIsObject;
          this.pendingKey = undefined;
        }
      }
      i += 1;
    }
    this.pos = i;
  }

  private blank(buf: string, from: number, to: number): boolean {
    for (let k = from; k < to; k += 1) if (!isSpace(buf.charCodeAt(k))) return false;
    return true;
  }

  /** A string inside an element object, at its top level: a key, or the value of a captured key. */
  private sawString(buf: string, open: number, close: number): void {
    if (this.keyNext) {
      this.keyNext = false;
      const length = close - open - 1;
      this.pendingKey = undefined;
      if (!this.captureLengths.has(length)) return;
      // Compared in place: most keys are not captured, and a slice per key is garbage per record.
      for (const key of this.capture) {
        if (key.length !== length || !buf.startsWith(key, open + 1)) continue;
        this.pendingKey = key;
        this.fields.set(key, null);
      }
      return;
    }
    if (this.pendingKey === undefined) return;
    const value = buf.slice(open + 1, close);
    // An escaped value is left to JSON.parse: the element is then parsed, never dropped unread.
    this.fields.set(this.pendingKey, value.includes('\\') ? null : value);
    this.pendingKey = undefined;
  }
}
