import { describe, expect, it } from 'vitest';
import { ROUTER, auditLog, changesOf, load, parseEntry, provenance, setPath, type Doc } from './fixtures.js';

const OPERATION = 'operation-1795682043118-5f0a1c2e3d4b5-8c1d2e3f-4a5b6c7d';
const routeLocated = { id: '', region: 'global', kind: 'route-table', locate: { field: 'routes', match: { name: 'egress-bypass' } } };

describe('the account (project)', () => {
  it('is the monitored resource’s project_id', () => {
    const entry = setPath(auditLog('compute.routes.insert'), 'resource.labels.project_id', 'acme-net-shared');

    const [change] = changesOf(entry);

    expect(change?.account).toBe('acme-net-shared');
  });

  it("is the resource name's project when the monitored resource has none", () => {
    const entry = setPath(auditLog('compute.routes.insert'), 'resource', undefined);

    const [change] = changesOf(entry);

    expect(change?.account).toBe('acme-net-prod');
  });

  it("of a DNS call without resource labels is the request's project (DNS names zones without it)", () => {
    const entry = setPath(auditLog('dns.managedZones.delete'), 'resource.labels', {});
    setPath(entry, 'protoPayload.request.project', 'acme-net-dns');

    const [change] = changesOf(entry);

    expect([change?.account, change?.id]).toStrictEqual(['acme-net-dns', 'projects/acme-net-dns/managedZones/corp-internal']);
  });

  it('missing everywhere rejects the entry', () => {
    const entry = setPath(auditLog('dns.managedZones.delete'), 'resource', undefined);
    setPath(entry, 'protoPayload.request.project', undefined);
    setPath(entry, 'logName', 'organizations/123456789/logs/cloudaudit.googleapis.com%2Factivity');

    const record = parseEntry(entry);

    expect(record).toStrictEqual({
      status: 'rejected', reason: 'LogEntry: project missing (no resource.labels.project_id, resourceName or logName project)',
    });
  });
});

describe('the time, id and actor', () => {
  it('the event id is insertId and the time is timestamp', () => {
    const entry = auditLog('compute.routes.insert');

    const record = parseEntry(entry);

    expect(record).toMatchObject({ eventId: '-3k9x2ed4l1q', changes: [{ eventId: '-3k9x2ed4l1q', time: '2026-11-26T09:14:03.512Z' }] });
  });

  it('the time is receiveTimestamp when there is no timestamp', () => {
    const entry = setPath(auditLog('compute.routes.insert'), 'timestamp', undefined);

    const [change] = changesOf(entry);

    expect(change?.time).toBe(entry.receiveTimestamp);
  });

  it('without either time the entry is rejected', () => {
    const entry = setPath(auditLog('compute.routes.insert'), 'timestamp', undefined);
    setPath(entry, 'receiveTimestamp', undefined);

    const record = parseEntry(entry);

    expect(record).toStrictEqual({ status: 'rejected', reason: 'LogEntry: timestamp missing (and no receiveTimestamp)' });
  });

  it('the actor is the principal, caller IP and user agent, each only when logged', () => {
    const entry = setPath(auditLog('compute.routes.insert'), 'protoPayload.requestMetadata', undefined);

    const [change] = changesOf(entry);

    expect(change?.actor).toStrictEqual({ principal: 'alice@acme.example' });
  });
});

describe('method names', () => {
  it.each(['v1.', 'beta.', 'alpha.', ''])('%scompute.routes.insert is compute.routes.insert', (prefix) => {
    const entry = setPath(auditLog('compute.routes.insert'), 'protoPayload.methodName', `${prefix}compute.routes.insert`);

    const changes = changesOf(entry);

    expect(changes).toStrictEqual(changesOf(auditLog('compute.routes.insert')));
  });

  it.each([
    ['v1.compute.firewalls.insert', 'compute.firewalls.insert'],
    ['beta.compute.routes.get', 'compute.routes.get'],
    ['dns.managedZones.list', 'dns.managedZones.list'],
  ])('%s is ignored as unwatched', (methodName, detail) => {
    const entry = setPath(auditLog('compute.routes.insert'), 'protoPayload.methodName', methodName);

    const record = parseEntry(entry);

    expect(record).toStrictEqual({ status: 'ignored', eventId: entry.insertId, reason: 'unwatched', detail });
  });
});

describe('failed calls', () => {
  it('a call refused with status.code ≠ 0 is a failed call', () => {
    const entry = load('failed', 'compute.routes.insert-permission-denied');

    const record = parseEntry(entry);

    expect(record).toStrictEqual({
      status: 'ignored', eventId: entry.insertId, reason: 'failed-call', detail: 'compute.routes.insert failed: status 7 (PERMISSION_DENIED)',
    });
  });

  it('a failed DNS call is a failed call', () => {
    const entry = setPath(auditLog('dns.changes.create'), 'protoPayload.status', { code: 6, message: 'The resource already exists' });

    const record = parseEntry(entry);

    expect(record).toMatchObject({ status: 'ignored', reason: 'failed-call', detail: 'dns.changes.create failed: status 6 (ALREADY_EXISTS)' });
  });

  it.each([
    ['severity ERROR alone', (entry: Doc) => setPath(entry, 'severity', 'ERROR')],
    ['status.code 0', (entry: Doc) => setPath(entry, 'protoPayload.status', { code: 0 })],
    ['an empty status', (entry: Doc) => setPath(entry, 'protoPayload.status', {})],
  ])('%s is not a failed call', (_what, change) => {
    const entry = change(auditLog('compute.routes.insert'));

    const record = parseEntry(entry);

    expect(record.status).toBe('changes');
  });
});

describe('long-running operations (a first and a last entry under one operation.id)', () => {
  it('the first entry carries the request: its changes, phase first', () => {
    const entry = auditLog('compute.routes.insert');

    const record = parseEntry(entry);

    expect(record).toMatchObject({ status: 'changes', operation: { key: OPERATION, phase: 'first', failed: false } });
  });

  it('a successful last entry names the same resource, payload none (a duplicate once the first was seen)', () => {
    const entry = load('operation', 'compute.routes.insert-last');

    const record = parseEntry(entry);

    expect(record).toStrictEqual({
      status: 'changes', eventId: entry.insertId, operation: { key: OPERATION, phase: 'last', failed: false },
      changes: [{ ...provenance(entry), ...routeLocated, action: 'update', payload: { kind: 'none' } }],
    });
  });

  it('a failed last entry is a rollback of what the first changed, not a failed call', () => {
    const entry = load('operation', 'compute.routes.insert-last-failed');

    const record = parseEntry(entry);

    expect(record).toStrictEqual({
      status: 'changes', eventId: entry.insertId, operation: { key: OPERATION, phase: 'last', failed: true },
      changes: [{ ...provenance(entry), ...routeLocated, action: 'update', payload: { kind: 'none' }, rollback: true }],
    });
  });

  it('a failed last entry of a delete re-checks what it would have deleted (an update, not a delete)', () => {
    const entry = setPath(auditLog('compute.routers.delete'), 'operation', { id: 'operation-rd', producer: 'compute.googleapis.com', last: true });
    setPath(entry, 'protoPayload.status', { code: 9, message: 'The router is in use by a VPN tunnel' });

    const [change] = changesOf(entry);

    expect(change).toMatchObject({ id: '', select: { idPrefix: `${ROUTER}/nats/` }, action: 'update', rollback: true, payload: { kind: 'none' } });
  });

  it('a last entry that still carries the request names the resources, not its changes', () => {
    const entry = setPath(auditLog('compute.routers.patch'), 'operation', { id: 'operation-rp', producer: 'compute.googleapis.com', last: true });

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{
      ...provenance(entry), id: '', region: 'europe-west1', kind: 'nat-gateway', action: 'update',
      select: { idPrefix: `${ROUTER}/nats/` }, payload: { kind: 'none' },
    }]);
  });

  it('an entry that is both first and last is the first', () => {
    const entry = auditLog('compute.subnetworks.setPrivateIpGoogleAccess');
    setPath(entry, 'operation.last', true);

    const record = parseEntry(entry);

    expect(record).toMatchObject({ operation: { phase: 'first', failed: false }, changes: [{ payload: { kind: 'delta' } }] });
  });

  it('an entry that is neither first nor last has no operation phase', () => {
    const entry = setPath(auditLog('compute.routes.insert'), 'operation.first', undefined);

    const record = parseEntry(entry);

    expect(record.status).toBe('changes');
    expect(record).not.toHaveProperty('operation');
  });

  it('a failed first entry is a failed call', () => {
    const entry = setPath(auditLog('compute.routes.insert'), 'protoPayload.status', { code: 3, message: 'Invalid value for field' });

    const record = parseEntry(entry);

    expect(record).toMatchObject({ status: 'ignored', reason: 'failed-call', detail: 'compute.routes.insert failed: status 3 (INVALID_ARGUMENT)' });
  });

  it('DNS calls are synchronous: no operation phase', () => {
    const record = parseEntry(auditLog('dns.changes.create'));

    expect(record).not.toHaveProperty('operation');
  });

  it('an entry whose request is only its @type is read as one without a request', () => {
    const entry = setPath(auditLog('compute.routes.insert'), 'protoPayload.request', { '@type': 'type.googleapis.com/compute.routes.insert' });

    const [change] = changesOf(entry);

    expect(change).toMatchObject({ ...routeLocated, payload: { kind: 'none' } });
  });
});
