import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLOUDTRAIL_FIELDS, cloudTrailElementWanted } from '../../cli/archive-prefilter.js';
import { ArchiveScanner, type ScanEvent } from '../../cli/archive-scanner.js';

/** Feeds `bytes` cut at `cuts` (positions), then ends: every event, in order. */
function scan(bytes: Buffer, cuts: readonly number[]): ScanEvent[] {
  const scanner = new ArchiveScanner(CLOUDTRAIL_FIELDS, cloudTrailElementWanted);
  const events: ScanEvent[] = [];
  let from = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    events.push(...scanner.push(bytes.subarray(from, cut)));
    from = cut;
  }
  events.push(...scanner.push(bytes.subarray(from)), ...scanner.end());
  return events;
}

/** Element by element: its text when reported, `skipped` when counted unread. */
function elements(events: readonly ScanEvent[]): (unknown | 'skipped')[] {
  return events.flatMap((event) => {
    if (event.kind === 'element') return [JSON.parse(event.text) as unknown];
    if (event.kind === 'skipped') return Array.from({ length: event.count }, () => 'skipped' as const);
    throw new Error(`unexpected ${event.kind} event: ${JSON.stringify(event)}`);
  });
}

/** What the scanner may skip: a bare record of an unwatched operation, or of a record type that carries no call, its fields plain strings. */
function skippable(record: Record<string, unknown>): boolean {
  const plain = (value: unknown) => typeof value === 'string' && value !== '' && !JSON.stringify(value).includes('\\');
  if ('detail-type' in record || 'Records' in record) return false;
  if (!('eventSource' in record)) return plain(record.eventType) && record.eventType !== 'AwsApiCall';
  return plain(record.eventSource) && plain(record.eventName)
    && !(record.eventSource === 'ec2.amazonaws.com' && record.eventName === 'ReplaceRoute');
}

const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('a"b', 'c\\d', '}]{[,', 'é✓', ''));
const record = fc.record({
  eventSource: fc.oneof(fc.constantFrom('ec2.amazonaws.com', 's3.amazonaws.com'), text, fc.integer()),
  eventName: fc.oneof(fc.constantFrom('ReplaceRoute', 'DescribeInstances'), text),
  eventType: fc.constantFrom('AwsApiCall', 'AwsCloudTrailInsight'),
  nested: fc.jsonValue({ maxDepth: 3 }),
  insightDetails: fc.record({ eventSource: text, eventName: text }),
}, { requiredKeys: [] });

describe('ArchiveScanner', () => {
  it('reports every element of a Records array wherever the chunks are cut, skipping exactly the unwatched records', () => {
    fc.assert(fc.property(
      fc.array(fc.oneof(record, fc.jsonValue({ maxDepth: 2 })), { maxLength: 8 }), fc.constantFrom(undefined, 2), fc.array(fc.nat(), { maxLength: 12 }),
      (records, indent, cuts) => {
        const bytes = Buffer.from(JSON.stringify({ Records: records }, null, indent));
        const events = scan(bytes, cuts.map((cut) => cut % (bytes.length + 1)));
        if (records.length === 0) { expect(events).toEqual([{ kind: 'empty', text: '{"Records":[]}' }]); return; }
        const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
        expect(elements(events)).toEqual(records.map((r) => (isRecord(r) && skippable(r) ? 'skipped' : JSON.parse(JSON.stringify(r)))));
      },
    ), { numRuns: 300 });
  });

  it('goes on in a large chunk itself once the element the last one began has ended there, and copies when it has not', () => {
    // Records of a few hundred bytes to 100 kB: chunks of 64 kB and more are cut inside records and inside strings.
    const big = (i: number) => ({
      eventVersion: '1.08', eventSource: i % 3 === 0 ? 'ec2.amazonaws.com' : 's3.amazonaws.com', eventName: i % 3 === 0 ? 'ReplaceRoute' : 'GetObject',
      requestParameters: { key: `k/${i}/${'é"\\'.repeat(i % 7 === 0 ? 30_000 : 20)}`, items: [{ a: i }, { b: [i, '}]'] }] }, eventID: `id-${i}`,
    });
    const records = Array.from({ length: 400 }, (_, i) => big(i));
    const bytes = Buffer.from(JSON.stringify({ Records: records }));
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 30 }), (cuts) => {
      expect(elements(scan(bytes, cuts))).toEqual(records.map((r) => (skippable(r) ? 'skipped' : r)));
    }), { numRuns: 40 });
  });

  it('reports a document that is not a Records array whole, and several in a row one by one', () => {
    const bytes = Buffer.from('{"detail-type": "x", "Records": [1]}\n"text"\n42 [true]');
    for (const cut of [0, 1, 5, 17, 30, bytes.length]) {
      expect(scan(bytes, [cut])).toEqual([
        { kind: 'value', text: '{"detail-type": "x", "Records": [1]}' }, { kind: 'value', text: '"text"' },
        { kind: 'value', text: '42' }, { kind: 'element', index: 0, text: 'true' },
      ]);
    }
  });

  it('says where the stream stops being JSON, in bytes', () => {
    expect(scan(Buffer.from('{"Records": [{"a": 1}, ]}'), [])).toEqual([
      { kind: 'element', index: 0, text: '{"a": 1}' }, { kind: 'error', index: 1, message: 'trailing comma at element 1' },
    ]);
    expect(scan(Buffer.from('{"a": 1}}'), [4])).toEqual([
      { kind: 'value', text: '{"a": 1}' }, { kind: 'error', index: undefined, message: 'unexpected "}" at byte 8' },
    ]);
    expect(scan(Buffer.from('{"Records": [{"eventSource": "s3.amazonaws.com", "eventName": "Get'), [20])).toEqual([
      { kind: 'error', index: 0, message: 'unexpected end of JSON input' },
    ]);
  });
});
