import { describe, expect, it } from 'vitest';
import { NETWORK, PROJECT, SHARED_NETWORK, auditLog, changesOf, parseEntry, provenance, setPath } from './fixtures.js';

const NONE = { kind: 'none' };
const ZONE = `projects/${PROJECT}/managedZones/corp-internal`;
const POLICY = `projects/${PROJECT}/policies/corp-forwarding`;
const zone = { region: 'global', kind: 'dns-zone', id: ZONE };
const policy = { region: 'global', kind: 'dns-forwarding', id: POLICY };

describe('dns.managedZones', () => {
  it('create yields the whole zone, its project from the monitored resource (audit logs say managedZones/Z)', () => {
    const entry = auditLog('dns.managedZones.create');

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{
      ...provenance(entry), ...zone, action: 'create',
      payload: { kind: 'full', state: {
        kind: 'dns-zone', id: ZONE, region: 'global', name: 'corp.acme.internal.', private: true, networks: [NETWORK], records: [],
      } },
    }]);
  });

  it('create of a public zone (no visibility) is not private and has no networks', () => {
    const entry = setPath(auditLog('dns.managedZones.create'), 'protoPayload.request.managedZone',
      { name: 'corp-internal', dnsName: 'Corp.Acme.Example' });

    const [change] = changesOf(entry);

    expect(change?.payload).toMatchObject({ state: { name: 'corp.acme.example.', private: false, networks: [] } });
  });

  it('create without dnsName is rejected', () => {
    const entry = setPath(auditLog('dns.managedZones.create'), 'protoPayload.request.managedZone.dnsName', undefined);

    const record = parseEntry(entry);

    expect(record).toStrictEqual({
      status: 'rejected', reason: 'LogEntry dns.managedZones.create: protoPayload.request.managedZone.dnsName missing',
    });
  });

  it('patch sets the networks it lists', () => {
    const entry = auditLog('dns.managedZones.patch');

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{
      ...provenance(entry), ...zone, action: 'update',
      payload: { kind: 'delta', deltas: [{ op: 'set', field: 'networks', value: [NETWORK, SHARED_NETWORK] }] },
    }]);
  });

  it('patch of the description only is ignored as unwatched', () => {
    const entry = setPath(auditLog('dns.managedZones.patch'), 'protoPayload.request.managedZoneResource', { description: 'prod names' });

    const record = parseEntry(entry);

    expect(record).toStrictEqual({
      status: 'ignored', eventId: entry.insertId, reason: 'unwatched',
      detail: 'dns.managedZones.patch without visibility or privateVisibilityConfig',
    });
  });

  it('update sets privacy and networks: an empty list unlinks every network', () => {
    const entry = auditLog('dns.managedZones.update');

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{
      ...provenance(entry), ...zone, action: 'update',
      payload: { kind: 'delta', deltas: [{ op: 'set', field: 'private', value: true }, { op: 'set', field: 'networks', value: [] }] },
    }]);
  });

  it('delete deletes the zone', () => {
    const entry = auditLog('dns.managedZones.delete');

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{ ...provenance(entry), ...zone, action: 'delete', payload: NONE }]);
  });
});

describe('dns.changes.create', () => {
  it('removes each deleted record set, then puts each added one (a replaced record is put after its removal)', () => {
    const entry = auditLog('dns.changes.create');

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{
      ...provenance(entry), ...zone, action: 'update',
      payload: { kind: 'delta', deltas: [
        { op: 'remove-item', field: 'records', match: { name: 'db.corp.acme.internal.', type: 'A' } },
        { op: 'put-item', field: 'records', key: ['name', 'type'],
          item: { name: 'db.corp.acme.internal.', type: 'A', ttl: 300, values: ['10.20.0.15'] } },
        { op: 'put-item', field: 'records', key: ['name', 'type'],
          item: { name: 'api.corp.acme.internal.', type: 'CNAME', ttl: 300, values: ['api-ew1.corp.acme.internal.'] } },
      ] },
    }]);
  });

  it("reads the REST API's rrdatas spelling too, and spells names and types as the snapshot does", () => {
    const entry = setPath(auditLog('dns.changes.create'), 'protoPayload.request.change',
      { additions: [{ name: 'WWW.Corp.Acme.Internal', type: 'aaaa', ttl: '60', rrdatas: ['fd00::10'] }] });

    const [change] = changesOf(entry);

    expect(change?.payload).toStrictEqual({ kind: 'delta', deltas: [{
      op: 'put-item', field: 'records', key: ['name', 'type'], item: { name: 'www.corp.acme.internal.', type: 'AAAA', ttl: 60, values: ['fd00::10'] },
    }] });
  });

  it('without a change is rejected', () => {
    const entry = setPath(auditLog('dns.changes.create'), 'protoPayload.request.change', undefined);

    const record = parseEntry(entry);

    expect(record).toStrictEqual({ status: 'rejected', reason: 'LogEntry dns.changes.create: protoPayload.request.change missing' });
  });
});

describe('dns.policies (outbound forwarding)', () => {
  it('create yields the whole policy: its target name servers and networks', () => {
    const entry = auditLog('dns.policies.create');

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{
      ...provenance(entry), ...policy, action: 'create',
      payload: { kind: 'full', state: {
        kind: 'dns-forwarding', id: POLICY, region: 'global', targets: ['10.200.0.2', '10.200.0.3'], networks: [NETWORK],
      } },
    }]);
  });

  it('patch sets the targets it lists', () => {
    const entry = auditLog('dns.policies.patch');

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{
      ...provenance(entry), ...policy, action: 'update',
      payload: { kind: 'delta', deltas: [{ op: 'set', field: 'targets', value: ['8.8.8.8'] }] },
    }]);
  });

  it('patch of logging only is ignored as unwatched', () => {
    const entry = setPath(auditLog('dns.policies.patch'), 'protoPayload.request.policyResource', { enableLogging: false });

    const record = parseEntry(entry);

    expect(record).toStrictEqual({
      status: 'ignored', eventId: entry.insertId, reason: 'unwatched', detail: 'dns.policies.patch without alternativeNameServerConfig or networks',
    });
  });

  it('update replaces the policy: inbound forwarding only is a dns-forwarding without targets', () => {
    const entry = auditLog('dns.policies.update');

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{
      ...provenance(entry), ...policy, action: 'update',
      payload: { kind: 'full', state: {
        kind: 'dns-forwarding', id: POLICY, region: 'global', targets: [], networks: [NETWORK, SHARED_NETWORK],
      } },
    }]);
  });

  it('delete deletes the policy', () => {
    const entry = auditLog('dns.policies.delete');

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{ ...provenance(entry), ...policy, action: 'delete', payload: NONE }]);
  });
});
