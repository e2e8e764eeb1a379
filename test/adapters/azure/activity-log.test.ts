import { describe, expect, it } from 'vitest';
import { activityLogExportAdapter, activityLogRecordAdapter } from '../../../adapters/azure/index.js';
import { NET, SUB, load, type Doc } from './fixtures.js';

const ROUTE_WRITE = 'Microsoft.Network/routeTables/routes/write';
const UPPER_RT = `${NET}/routeTables/rt-app`.toUpperCase();
const ALICE = { principal: 'alice@contoso.com', sourceIp: '198.51.100.24' };

function diagnostic(): Doc[] {
  return load<{ records: Doc[] }>('activitylog', 'diagnostic-records').records;
}

/** The id a diagnostic record without `eventDataId` is deduplicated by. */
function compoundId(record: Doc): string {
  return `${String(record.correlationId)}|${String(record.operationName).toLowerCase()}|${String(record.resourceId).toLowerCase()}`;
}

describe('Activity Log exports from diagnostic settings ({"records": [...]})', () => {
  it('yield the closing record as the change, the opening one as not yet, and a failure as a failed call', () => {
    const [start, success, failure] = diagnostic() as [Doc, Doc, Doc];

    const records = activityLogExportAdapter.parse({ records: [start, success, failure] });

    expect(records).toStrictEqual([
      { status: 'ignored', eventId: compoundId(start), reason: 'unwatched',
        detail: `${ROUTE_WRITE} Start: the change is the record that ends the operation` },
      { status: 'changes', eventId: compoundId(success), changes: [{
        cloud: 'azure', account: SUB, region: 'westeurope', eventId: compoundId(success), operation: ROUTE_WRITE,
        time: success.time, actor: ALICE, kind: 'route-table', id: UPPER_RT, action: 'update', payload: { kind: 'none' },
      }] },
      { status: 'ignored', eventId: compoundId(failure), reason: 'failed-call', detail: 'Microsoft.Network/natGateways/delete failed: Failure' },
    ]);
  });

  it.each([['Succeeded'], ['success']])('take resultType %s as success', (resultType) => {
    const [, success] = diagnostic() as [Doc, Doc];
    success.resultType = resultType;

    expect(activityLogRecordAdapter.parse(success)).toMatchObject([{ status: 'changes' }]);
  });

  it.each([['Accept'], ['Started']])('take resultType %s as not the change yet', (resultType) => {
    const [, success] = diagnostic() as [Doc, Doc];
    success.resultType = resultType;

    expect(activityLogRecordAdapter.parse(success)).toMatchObject([{ status: 'ignored', reason: 'unwatched' }]);
  });

  it('deduplicate by eventDataId when a record has one', () => {
    const [, success] = diagnostic() as [Doc, Doc];
    success.eventDataId = 'a1f0c2d3-e4b5-4697-8a8b-9c0d1e2f3a4b';

    expect(activityLogRecordAdapter.parse(success)).toMatchObject([{ status: 'changes', eventId: 'a1f0c2d3-e4b5-4697-8a8b-9c0d1e2f3a4b' }]);
  });

  it('fall back to an unknown region when the record has no location', () => {
    const [, success] = diagnostic() as [Doc, Doc];
    success.location = '';

    expect(activityLogRecordAdapter.parse(success)).toMatchObject([{ status: 'changes', changes: [{ region: 'unknown' }] }]);
  });
});

describe('Activity Log events in the REST shape', () => {
  it('yield the change of an event that succeeded, on the parent zone', () => {
    const event = load('activitylog', 'rest-event');

    const records = activityLogRecordAdapter.parse(event);

    expect(records).toStrictEqual([{ status: 'changes', eventId: event.eventDataId, changes: [{
      cloud: 'azure', account: SUB, region: 'global', eventId: event.eventDataId,
      operation: 'Microsoft.Network/privateDnsZones/virtualNetworkLinks/delete', time: event.eventTimestamp, actor: ALICE,
      kind: 'dns-zone', id: `${NET}/privateDnsZones/privatelink.blob.core.windows.net`, action: 'update', payload: { kind: 'none' },
    }] }]);
  });

  it('name the caller when there are no claims', () => {
    const event = load('activitylog', 'rest-event');
    delete event.claims;
    event.caller = 'deploy-pipeline@contoso.com';

    expect(activityLogRecordAdapter.parse(event)).toMatchObject([{ status: 'changes', changes: [{ actor: { principal: 'deploy-pipeline@contoso.com' } }] }]);
  });

  it.each([['Started', 'unwatched'], ['Accepted', 'unwatched'], ['Failed', 'failed-call'], ['Canceled', 'failed-call']])(
    'take status %s as %s', (status, reason) => {
      const event = load('activitylog', 'rest-event');
      event.status = { value: status, localizedValue: status };

      expect(activityLogRecordAdapter.parse(event)).toMatchObject([{ status: 'ignored', eventId: event.eventDataId, reason }]);
    },
  );

  it('are read from a JSON array, as `az monitor activity-log list` prints them', () => {
    const event = load('activitylog', 'rest-event');
    const started = { ...load('activitylog', 'rest-event'), eventDataId: 'f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f', status: { value: 'Started' } };

    const records = activityLogExportAdapter.parse([started, event]);

    expect(records.map((record) => record.status)).toStrictEqual(['ignored', 'changes']);
  });
});
