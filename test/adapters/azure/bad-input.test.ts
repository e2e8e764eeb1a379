import { describe, expect, it } from 'vitest';
import type { ParsedRecord } from '../../../core/change.js';
import { activityLogExportAdapter, activityLogRecordAdapter, eventGridAdapter } from '../../../adapters/azure/index.js';
import { changesOf, dataOf, eventGrid, load, parseOne, type Doc } from './fixtures.js';

const ROUTE_WRITE = 'Microsoft.Network/routeTables/routes/write';
const HUGE = 'x'.repeat(1_000_000);

function routeWrite(change: (event: Doc, data: Doc) => void): Doc {
  const event = eventGrid(ROUTE_WRITE);
  change(event, dataOf(event));
  return event;
}

function expectOneLine(records: ParsedRecord[]): void {
  for (const record of records) {
    const text = record.status === 'rejected' ? record.reason : record.status === 'ignored' ? record.detail : '';
    expect(text).not.toMatch(/[\r\n]/);
    expect(text.length).toBeLessThanOrEqual(301);
  }
}

describe('bad Event Grid input is rejected with a one-line reason', () => {
  it.each([
    ['a number for eventTime', (e: Doc) => { e.eventTime = 42; }, 'Event Grid event: eventTime: expected string, got 42'],
    ['a date that is not ISO 8601', (e: Doc) => { e.eventTime = 'yesterday'; },
      'Event Grid event: eventTime: expected an ISO 8601 date-time, got "yesterday"'],
    ['no id', (e: Doc) => { delete e.id; }, 'Event Grid event: id missing'],
    ['no eventType', (e: Doc) => { delete e.eventType; }, 'Event Grid event: eventType missing'],
    ['no data.operationName', (_e: Doc, d: Doc) => { delete d.operationName; }, 'Event Grid event: data.operationName missing'],
    ['null data', (e: Doc) => { e.data = null; }, 'Event Grid event: data: expected object, got null'],
    ['a string for claims', (_e: Doc, d: Doc) => { d.claims = 'alice'; }, 'Event Grid event: data.claims: expected record, got "alice"'],
    ['a number for the client IP', (_e: Doc, d: Doc) => { d.httpRequest = { clientIpAddress: 7 }; },
      'Event Grid event: data.httpRequest.clientIpAddress: expected string, got 7'],
    ['a huge id', (e: Doc) => { e.id = HUGE; }, 'Event Grid event: id: too long (1000000 characters, at most 512)'],
    ['a huge resourceUri', (_e: Doc, d: Doc) => { d.resourceUri = `/subscriptions/${HUGE}`; },
      'Event Grid event: data.resourceUri: too long (1000015 characters, at most 4096)'],
    ['a resourceUri that is no ARM id', (_e: Doc, d: Doc) => { d.resourceUri = 'rt-app'; },
      `Event Grid event: data.resourceUri "rt-app" is not a Microsoft.Network/routeTables/routes id (operation ${ROUTE_WRITE})`],
    ['no resourceUri and no subject', (e: Doc, d: Doc) => { delete d.resourceUri; delete e.subject; },
      'Event Grid event: data.resourceUri missing (and no subject)'],
  ])('%s', (_what, change, reason) => {
    const records = eventGridAdapter.parse(routeWrite(change));

    expect(records).toStrictEqual([{ status: 'rejected', reason }]);
  });

  it("rejects a resource id of another type than the operation's", () => {
    const event = routeWrite((_e, data) => { data.resourceUri = String(data.resourceUri).replace('/routes/default-to-firewall', ''); });

    const [record] = eventGridAdapter.parse(event);

    expect(record).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/is not a Microsoft\.Network\/routeTables\/routes id/) });
  });

  it('ignores a huge unwatched operation name, cutting it in the detail', () => {
    const records = eventGridAdapter.parse(routeWrite((_e, data) => { data.operationName = HUGE; }));

    expect(records).toMatchObject([{ status: 'ignored', reason: 'unwatched' }]);
    expectOneLine(records);
  });

  it.each([
    ['a number', 42, 'Event Grid event: expected object, got 42'],
    ['null', null, 'Event Grid event: expected object, got null'],
    ['a string', 'hello', 'Event Grid event: expected object, got "hello"'],
    ['an empty object', {}, 'Event Grid event: id missing'],
  ])('rejects %s, which is no event', (_what, raw, reason) => {
    expect(eventGridAdapter.parse(raw)).toStrictEqual([{ status: 'rejected', reason }]);
  });

  it('rejects a validation event without its code', () => {
    const [event] = load<Doc[]>('delivery', 'subscription-validation');
    if (!event) throw new Error('empty fixture');
    event.data = {};

    expect(parseOne(event)).toStrictEqual({ status: 'rejected', reason: 'Event Grid event: data.validationCode missing' });
  });

  it('rejects only the bad element of an array, with its index, and parses the others', () => {
    const batch = load<Doc[]>('delivery', 'batch');
    batch.splice(1, 1, 42 as unknown as Doc);

    const records = eventGridAdapter.parse(batch);

    expect(records).toStrictEqual([
      { status: 'changes', eventId: batch[0]?.id, changes: changesOf(batch[0]) },
      { status: 'rejected', index: 1, reason: 'Event Grid event [1]: expected object, got 42' },
      { status: 'ignored', eventId: batch[2]?.id, reason: 'unwatched', detail: 'Microsoft.Network/networkSecurityGroups/write' },
    ]);
  });

  it('rejects a bad CloudEvent of a batch with its index', () => {
    const batch = load<Doc[]>('cloudevents', 'batch');
    delete batch[0]?.source;

    const records = eventGridAdapter.parse(batch);

    expect(records[0]).toStrictEqual({ status: 'rejected', index: 0, reason: 'CloudEvent [0]: source missing' });
    expect(records[1]).toMatchObject({ status: 'changes' });
  });
});

describe('bad Activity Log input is rejected with a one-line reason', () => {
  const success = (): Doc => load<{ records: Doc[] }>('activitylog', 'diagnostic-records').records[1] as Doc;

  it.each([
    ['no time', (r: Doc) => { delete r.time; }, 'Activity Log record: time missing'],
    ['a number for resourceId', (r: Doc) => { r.resourceId = 7; }, 'Activity Log record: resourceId: expected string, got 7'],
    ['no resultType', (r: Doc) => { delete r.resultType; }, 'Activity Log record: resultType missing'],
    ['an unknown resultType', (r: Doc) => { r.resultType = 'Resolved'; },
      'Activity Log record: resultType: expected Start, Accept, Success or Failure, got "Resolved"'],
    ['no correlationId nor eventDataId', (r: Doc) => { delete r.correlationId; },
      'Activity Log record: eventDataId and correlationId missing (nothing to deduplicate by)'],
    ['a huge correlationId', (r: Doc) => { r.correlationId = HUGE; },
      'Activity Log record: correlationId: too long (1000000 characters, at most 512)'],
    ['an empty operationName', (r: Doc) => { r.operationName = ''; }, 'Activity Log record: operationName empty'],
  ])('%s', (_what, change, reason) => {
    const record = success();
    change(record);

    expect(activityLogRecordAdapter.parse(record)).toStrictEqual([{ status: 'rejected', reason }]);
  });

  it('rejects a REST event whose status is not an object', () => {
    const event = load('activitylog', 'rest-event');
    event.status = 'Succeeded';

    expect(activityLogRecordAdapter.parse(event)).toStrictEqual([{ status: 'rejected', reason: 'Activity Log record: status: expected object, got "Succeeded"' }]);
  });

  it('rejects an export whose records are not an array', () => {
    expect(activityLogExportAdapter.parse({ records: 'x' })).toStrictEqual([
      { status: 'rejected', reason: 'Activity Log export: records: expected array, got "x"' },
    ]);
  });

  it('rejects only the bad record of an export, with its index', () => {
    const records = activityLogExportAdapter.parse({ records: [null, success()] });

    expect(records[0]).toStrictEqual({ status: 'rejected', index: 0, reason: 'Activity Log export records[0]: expected object, got null' });
    expect(records[1]).toMatchObject({ status: 'changes' });
  });
});
