import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { clip, isObject, issueReason, issueText, pathText, quote, rejected, withIndex } from '../../core/reasons.js';

const Event = z.object({
  id: z.string().min(1).max(8),
  time: z.iso.datetime({ offset: true }),
  kind: z.literal(['create', 'delete']),
  count: z.number().max(3).optional(),
  below: z.number().lt(10).optional(),
  tags: z.array(z.string()).optional(),
});

const BASE = { id: 'e-1', time: '2024-05-01T10:00:00Z', kind: 'create' };

/** The error of parsing `raw` as the adapters do, with the input kept on each issue. */
function errorOf(raw: unknown, schema: z.ZodType = Event): z.ZodError {
  const parsed = schema.safeParse(raw, { reportInput: true });
  if (parsed.success) throw new Error('expected the parse to fail');
  return parsed.error;
}

describe('clip', () => {
  it('keeps a short text as it is', () => {
    expect(clip('EventBridge event: id missing')).toBe('EventBridge event: id missing');
  });

  it('cuts past 300 characters by default, marking the cut', () => {
    expect(clip('x'.repeat(301))).toBe(`${'x'.repeat(300)}…`);
  });

  it('cuts at a given length', () => {
    expect(clip('abcdef', 3)).toBe('abc…');
  });

  it('keeps the text on one line', () => {
    expect(clip('first\r\nsecond\n\nthird')).toBe('first second third');
  });
});

describe('quote', () => {
  it.each([
    ['a short string', 'abc', '"abc"'],
    ['a long string, cut at 40 characters', 'y'.repeat(41), `"${'y'.repeat(40)}…"`],
    ['a number', 42, '42'],
    ['a boolean', false, 'false'],
    ['null', null, 'null'],
    ['an array', [1, 2], 'an array'],
    ['an object', { a: 1 }, 'an object'],
    ['undefined', undefined, 'undefined'],
  ])('renders %s', (_case, value, expected) => {
    expect(quote(value)).toBe(expected);
  });
});

describe('pathText', () => {
  it('joins keys with dots and indexes with brackets', () => {
    expect(pathText(['Records', 2, 'detail', 'eventTime'])).toBe('Records[2].detail.eventTime');
  });

  it('starts with an index when the path does', () => {
    expect(pathText([0, 'name'])).toBe('[0].name');
  });

  it('is empty for the root', () => {
    expect(pathText([])).toBe('');
  });
});

describe('issueText', () => {
  it.each([
    ['a missing field', { ...BASE, id: undefined }, 'id missing'],
    ['a field of the wrong type', { ...BASE, id: 42 }, 'id: expected string, got 42'],
    ['an empty string', { ...BASE, id: '' }, 'id empty'],
    ['a string past its maximum', { ...BASE, id: 'z'.repeat(20) }, 'id: too long (20 characters, at most 8)'],
    ['a number past an inclusive maximum', { ...BASE, count: 5 }, 'count: too big (at most 3), got 5'],
    ['a number past an exclusive maximum', { ...BASE, below: 12 }, 'below: too big (less than 10), got 12'],
    ['a value not among those expected', { ...BASE, kind: 'update' }, 'kind: expected "create" or "delete", got "update"'],
    ['a missing value among those expected', { ...BASE, kind: undefined }, 'kind missing'],
    ['a date that is not a date-time', { ...BASE, time: 'yesterday' }, 'time: expected an ISO 8601 date-time, got "yesterday"'],
    ['an array member of the wrong type', { ...BASE, tags: ['a', 7] }, 'tags[1]: expected string, got 7'],
    ['not an object at all', [BASE], 'expected object, got an array'],
  ])('names %s', (_case, raw, expected) => {
    expect(issueText(errorOf(raw))).toBe(expected);
  });

  it('shows an expected value in full, however long', () => {
    const expected = 'type.googleapis.com/google.cloud.audit.AuditLog';
    expect(issueText(errorOf('other', z.literal(expected)))).toBe(`expected "${expected}", got "other"`);
  });

  it('shows any other format by its name', () => {
    expect(issueText(errorOf('not-a-uuid', z.uuid()))).toBe('expected uuid, got "not-a-uuid"');
  });

  it('falls back to zod\'s message, cut, for any other issue', () => {
    const refined = z.string().refine(() => false, { message: `no ${'good '.repeat(30)}` });
    expect(issueText(errorOf('x', refined))).toBe(clip(`no ${'good '.repeat(30)}`, 80));
  });

  it('puts a prefix given as keys before the path', () => {
    expect(issueText(errorOf({ ...BASE, id: 42 }), ['protoPayload', 'request'])).toBe('protoPayload.request.id: expected string, got 42');
  });

  it('puts a prefix given as dotted text before the path', () => {
    expect(issueText(errorOf({ ...BASE, id: undefined }), 'Records.detail')).toBe('Records.detail.id missing');
  });

  it('says invalid for an error without issues', () => {
    expect(issueText(new z.ZodError([]))).toBe('invalid');
  });
});

describe('issueReason', () => {
  it('names where, then what was wrong', () => {
    expect(issueReason('CloudTrail record', errorOf({ ...BASE, time: 'yesterday' })))
      .toBe('CloudTrail record: time: expected an ISO 8601 date-time, got "yesterday"');
  });

  it('takes a prefix as dotted text or as keys alike', () => {
    const error = errorOf({ ...BASE, id: undefined });
    expect(issueReason('Event Grid event', error, 'data')).toBe('Event Grid event: data.id missing');
    expect(issueReason('Event Grid event', error, ['data'])).toBe('Event Grid event: data.id missing');
  });

  it('is one line of at most 300 characters', () => {
    const reason = issueReason(`Pub/Sub push message ${'m'.repeat(400)}`, errorOf({ ...BASE, id: 42 }));
    expect(reason).toBe(`Pub/Sub push message ${'m'.repeat(279)}…`);
  });

  it('says invalid for an error without issues', () => {
    expect(issueReason('SQS event', new z.ZodError([]))).toBe('SQS event: invalid');
  });
});

describe('rejected and withIndex', () => {
  it('rejects with the reason clipped to one line', () => {
    expect(rejected(`Activity Log record:\n${'r'.repeat(400)}`))
      .toEqual({ status: 'rejected', reason: clip(`Activity Log record: ${'r'.repeat(400)}`) });
  });

  it('gives a rejected record its position', () => {
    expect(withIndex(rejected('Event Grid event: id missing'), 3))
      .toEqual({ status: 'rejected', reason: 'Event Grid event: id missing', index: 3 });
  });

  it('leaves a record that was read as it is', () => {
    const ignored = { status: 'ignored', reason: 'unwatched', detail: 'Microsoft.Storage/storageAccounts/write' } as const;
    expect(withIndex(ignored, 3)).toBe(ignored);
  });
});

describe('isObject', () => {
  it.each([
    ['an object', { a: 1 }, true],
    ['an array', [], false],
    ['null', null, false],
    ['a string', 'text', false],
  ])('%s: %s', (_case, raw, expected) => {
    expect(isObject(raw)).toBe(expected);
  });
});
