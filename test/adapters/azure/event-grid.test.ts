import { describe, expect, it } from 'vitest';
import { eventGridAdapter } from '../../../adapters/azure/index.js';
import { NET, SUB, changesOf, dataOf, eventGrid, load, parseOne, provenance, type Doc } from './fixtures.js';

const ROUTE_WRITE = 'Microsoft.Network/routeTables/routes/write';
const RT = `${NET}/routeTables/rt-app`;
const SUBNET = `${NET}/virtualNetworks/vnet-hub/subnets/snet-app`;

describe('Event Grid schema deliveries', () => {
  it('yield one record per event of an array, in order', () => {
    const batch = load<Doc[]>('delivery', 'batch');

    const records = eventGridAdapter.parse(batch);

    expect(records).toStrictEqual([
      { status: 'changes', eventId: batch[0]?.id, changes: changesOf(batch[0]) },
      { status: 'changes', eventId: batch[1]?.id, changes: changesOf(batch[1]) },
      { status: 'ignored', eventId: batch[2]?.id, reason: 'unwatched', detail: 'Microsoft.Network/networkSecurityGroups/write' },
    ]);
  });

  it('report a child on its parent: a route write is an update of its route table', () => {
    const event = eventGrid(ROUTE_WRITE);

    const changes = changesOf(event);

    expect(changes).toStrictEqual([{ ...provenance(event), kind: 'route-table', id: RT, action: 'update' }]);
  });

  it('report a subnet write on the route tables and NAT gateways that hold the subnet', () => {
    const changes = changesOf(eventGrid('Microsoft.Network/virtualNetworks/subnets/write'));

    expect(changes.map((change) => [change.kind, change.id, change.select])).toStrictEqual([
      ['route-table', '', { field: 'subnets', contains: SUBNET }],
      ['nat-gateway', '', { field: 'subnets', contains: SUBNET }],
    ]);
  });

  it.each([
    ['upper-case', 'MICROSOFT.NETWORK/ROUTETABLES/ROUTES/WRITE'],
    ['lower-case', 'microsoft.network/routetables/routes/write'],
  ])('match %s operation names, reporting the catalog spelling', (_casing, name) => {
    const event = eventGrid(ROUTE_WRITE);
    dataOf(event).operationName = name;

    const [change] = changesOf(event);

    expect(change?.operation).toBe(ROUTE_WRITE);
  });

  it("keep the id's spelling, and lower-case the subscription for the account", () => {
    const event = eventGrid(ROUTE_WRITE);
    dataOf(event).resourceUri = String(dataOf(event).resourceUri).toUpperCase();

    const [change] = changesOf(event);

    expect([change?.account, change?.id]).toStrictEqual([SUB, RT.toUpperCase()]);
  });

  it('take the resource id from the subject when data has no resourceUri', () => {
    const event = eventGrid(ROUTE_WRITE);
    delete dataOf(event).resourceUri;

    const [change] = changesOf(event);

    expect(change?.id).toBe(RT);
  });

  it.each([
    ['ResourceWriteFailure', 'Microsoft.Resources.ResourceWriteFailure'],
    ['ResourceWriteCancel', 'Microsoft.Resources.ResourceWriteCancel'],
    ['ResourceDeleteFailure', 'Microsoft.Resources.ResourceDeleteFailure'],
  ])('of a failed or canceled operation (%s) are ignored as failed calls', (short, eventType) => {
    const event = load('delivery', 'write-failure');
    event.eventType = eventType;

    const record = parseOne(event);

    expect(record).toStrictEqual({ status: 'ignored', eventId: event.id, reason: 'failed-call', detail: `${ROUTE_WRITE} failed: ${short}` });
  });

  it('answer the subscription validation handshake with its code', () => {
    const delivery = load<Doc[]>('delivery', 'subscription-validation');

    const records = eventGridAdapter.parse(delivery);

    expect(records).toStrictEqual([{
      status: 'ignored', eventId: '2d1781af-3a4c-4d7c-bd0c-e34b19da4e66', reason: 'handshake',
      validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6', detail: 'Event Grid subscription validation',
    }]);
  });

  it('of another event type are ignored as unwatched', () => {
    const event = eventGrid(ROUTE_WRITE);
    event.eventType = 'Microsoft.Storage.BlobCreated';

    expect(parseOne(event)).toStrictEqual({
      status: 'ignored', eventId: event.id, reason: 'unwatched', detail: 'Event Grid event type Microsoft.Storage.BlobCreated',
    });
  });

  it('of an unwatched action on a watched resource are ignored as unwatched', () => {
    const event = eventGrid('Microsoft.Network/routeTables/write');
    event.eventType = 'Microsoft.Resources.ResourceActionSuccess';
    dataOf(event).operationName = 'Microsoft.Network/routeTables/join/action';

    expect(parseOne(event)).toStrictEqual({
      status: 'ignored', eventId: event.id, reason: 'unwatched', detail: 'Microsoft.Network/routeTables/join/action',
    });
  });

  it('of a catalog operation as an action are the changes of its row', () => {
    const event = eventGrid(ROUTE_WRITE);
    event.eventType = 'Microsoft.Resources.ResourceActionSuccess';

    expect(changesOf(event)).toStrictEqual(changesOf(eventGrid(ROUTE_WRITE)));
  });
});

describe('the actor of an Event Grid event', () => {
  const UPN = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn';
  const NAME = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name';

  function actorAfter(change: (data: Doc, claims: Doc) => void) {
    const event = eventGrid(ROUTE_WRITE);
    change(dataOf(event), dataOf(event).claims as Doc);
    return changesOf(event)[0]?.actor;
  }

  it('is the UPN claim and the client IP of the request', () => {
    expect(actorAfter(() => undefined)).toStrictEqual({ principal: 'alice@contoso.com', sourceIp: '198.51.100.24' });
  });

  it('is the short upn claim first, then the name claims', () => {
    expect(actorAfter((_data, claims) => { claims.upn = 'bob@contoso.com'; })?.principal).toBe('bob@contoso.com');
    expect(actorAfter((_data, claims) => { delete claims[UPN]; claims[NAME] = ' carol@contoso.com'; })?.principal).toBe('carol@contoso.com');
    expect(actorAfter((_data, claims) => { delete claims[UPN]; delete claims[NAME]; })?.principal).toBe('Alice Nguyen');
  });

  it("is a service principal's application id", () => {
    const principal = actorAfter((data) => { data.claims = { appid: 'f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b' }; })?.principal;

    expect(principal).toBe('f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b');
  });

  it("is the authorization's principal id when there are no claims", () => {
    const actor = actorAfter((data) => { delete data.claims; });

    expect(actor).toStrictEqual({ principal: '3f6c2a819d4e4b7ab0c56e1d8f2a7c94', sourceIp: '198.51.100.24' });
  });

  it("takes the token's ipaddr when there is no httpRequest (a create)", () => {
    const actor = actorAfter((data, claims) => { delete data.httpRequest; claims.ipaddr = '203.0.113.9'; });

    expect(actor?.sourceIp).toBe('203.0.113.9');
  });

  it('is empty when the event names nobody (evidence may even be an array)', () => {
    const actor = actorAfter((data) => {
      delete data.claims;
      delete data.httpRequest;
      data.authorization = { scope: data.resourceUri, action: data.operationName, evidence: [] };
    });

    expect(actor).toStrictEqual({});
  });
});

describe('CloudEvents 1.0 schema deliveries', () => {
  it('yield the same changes as the Event Grid schema', () => {
    const event = load('cloudevents', 'routeTables-routes-write');

    const records = eventGridAdapter.parse(event);

    expect(records).toStrictEqual([{ status: 'changes', eventId: event.id, changes: changesOf(eventGrid(ROUTE_WRITE)) }]);
  });

  it('yield one record per event of a batch', () => {
    const batch = load<Doc[]>('cloudevents', 'batch');

    const records = eventGridAdapter.parse(batch);

    expect(records.map((record) => record.status === 'changes' && record.changes.map((change) => [change.kind, change.id, change.action])))
      .toStrictEqual([[['route-table', RT, 'update']], [['nat-gateway', `${NET}/natGateways/ng-egress`, 'delete']]]);
  });

  it('of another spec version are rejected', () => {
    const event = load('cloudevents', 'routeTables-routes-write');
    event.specversion = '0.3';

    expect(parseOne(event)).toStrictEqual({ status: 'rejected', reason: 'CloudEvent: specversion: expected "1.0", got "0.3"' });
  });
});
