import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gcpAdapters } from '../../../adapters/gcp/index.js';
import { corpusAvailable, corpusCases, corpusFiles, readCorpusDocument } from '../../support/corpus.js';

/** What one real published sample must yield: the adapter that takes it, and each parsed record. */
interface Expectation {
  adapter: string;
  records: Record<string, unknown>[];
}

const ENTRY = 'gcp-audit-log-entry';
const PUSH = 'gcp-pubsub-push';
const unwatched = (detail: string, eventId?: string, operationKey?: string) => ({
  status: 'ignored', ...(eventId ? { eventId } : {}), reason: 'unwatched', detail,
  // An entry ignored for its content still settles its operation (its last entry has no request).
  ...(operationKey ? { operation: { key: operationKey, phase: 'first', failed: false } } : {}),
});
const rejected = (reason: string) => ({ status: 'rejected', reason });
/** Panther's test logs are its SIEM's rendering of a LogEntry (SOURCES.md), never what Pub/Sub delivers. */
const RERENDERED = rejected('LogEntry: insertId missing (found "insertid": a re-rendered entry, not Cloud Logging\'s LogEntry JSON)');
const FLOW_LOGS = 'compute.subnetworks.patch without privateIpGoogleAccess';

/** One row per file in ../shared/corpus/gcp; the SOURCES.md there says where each comes from. */
const EXPECTED: Record<string, Expectation> = {
  // A Cloud Router for BGP: no NAT config, nothing netdrift keeps.
  'auditlog-beta.compute.routers.insert-custodian.json':
    { adapter: ENTRY, records: [unwatched('compute.routers.insert without nats', '-e5askcd30dm', 'operation-1556958722339-5880bb3933176-a52ee586-261b2bbe')] },
  'auditlog-dns.changes.create-panther.json': { adapter: ENTRY, records: [RERENDERED] },
  'auditlog-dns.managedZones.create-custodian.json': { adapter: ENTRY, records: [{
    status: 'changes', eventId: '-m6iex3e12bt0', changes: [{
      cloud: 'gcp', account: 'cloud-custodian', region: 'global', eventId: '-m6iex3e12bt0', operation: 'dns.managedZones.create',
      time: '2019-02-27T13:26:29.665Z',
      actor: {
        principal: 'alex.karpitski@gmail.com', sourceIp: '86.57.255.91',
        userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:65.0) Gecko/20100101 Firefox/65.0,gzip(gfe)',
      },
      kind: 'dns-zone', id: 'projects/cloud-custodian/managedZones/custodian', action: 'create',
      payload: { kind: 'full', state: {
        kind: 'dns-zone', id: 'projects/cloud-custodian/managedZones/custodian', region: 'global',
        name: 'whatever.', private: true, networks: [], records: [],
      } },
    }],
  }] },
  'auditlog-dns.managedZones.delete-panther.json': { adapter: ENTRY, records: [RERENDERED] },
  'auditlog-dns.managedZones.patch-panther.json': { adapter: ENTRY, records: [RERENDERED] },
  'auditlog-dns.policies.create-custodian.json': { adapter: ENTRY, records: [{
    status: 'changes', eventId: '-9z1o23dcjmw', changes: [{
      cloud: 'gcp', account: 'cloud-custodian', region: 'global', eventId: '-9z1o23dcjmw', operation: 'dns.policies.create',
      time: '2019-03-01T11:30:34.298Z', actor: { principal: 'alex.karpitski@gmail.com', sourceIp: '86.57.255.91' },
      kind: 'dns-forwarding', id: 'projects/cloud-custodian/policies/custodian', action: 'create',
      payload: { kind: 'full', state: {
        kind: 'dns-forwarding', id: 'projects/cloud-custodian/policies/custodian', region: 'global', targets: [], networks: [],
      } },
    }],
  }] },
  'auditlog-v1.compute.firewalls.delete-panther.json': { adapter: ENTRY, records: [unwatched('compute.firewalls.delete')] },
  'auditlog-v1.compute.firewalls.insert-forseti.json': { adapter: ENTRY, records: [unwatched('compute.firewalls.insert', '00000000000')] },
  'auditlog-v1.compute.firewalls.insert-panther.json': { adapter: ENTRY, records: [unwatched('compute.firewalls.insert')] },
  'auditlog-v1.compute.firewalls.patch-panther.json': { adapter: ENTRY, records: [unwatched('compute.firewalls.patch')] },
  'auditlog-v1.compute.routes.insert-custodian.json': { adapter: ENTRY, records: [{
    status: 'changes', eventId: 'rrfxpmd8wn4',
    operation: { key: 'operation-1556958683449-5880bb141c88c-cd1b716b-9497c2ea', phase: 'first', failed: false },
    changes: [{
      cloud: 'gcp', account: 'mitrop-custodian', region: 'global', eventId: 'rrfxpmd8wn4', operation: 'compute.routes.insert',
      time: '2019-05-04T08:31:23.538Z', actor: { principal: 'no@gmail.com', sourceIp: '1.1.1.1', userAgent: 'Mozilla' },
      kind: 'route-table', id: 'projects/mitrop-custodian/global/networks/default', action: 'update',
      payload: { kind: 'delta', deltas: [{
        op: 'put-item', field: 'routes', key: ['name'], item: {
          name: 'test-route-2', destination: '10.0.0.0/24', priority: 1000,
          target: { type: 'internet', id: 'projects/mitrop-custodian/global/gateways/default-internet-gateway' },
        },
      }] },
    }],
  }] },
  'auditlog-v1.compute.subnetworks.patch-flowlogs-forseti.json': { adapter: ENTRY, records: [unwatched(FLOW_LOGS, '0000000000', '000cc00c-0000-00f0-0e00-00c0c000ddf0')] },
  'auditlog-v1.compute.subnetworks.patch-flowlogs-off-panther-1.json': { adapter: ENTRY, records: [unwatched(FLOW_LOGS, '123456', 'operation-abc-123')] },
  'auditlog-v1.compute.subnetworks.patch-flowlogs-on-panther-2.json': { adapter: ENTRY, records: [unwatched(FLOW_LOGS, '12345', 'operation-abcdefg-1234567')] },
  // Forseti zeroed every timestamp (SOURCES.md): there is no time to order the change by.
  'auditlog-v1.compute.subnetworks.setPrivateIpGoogleAccess-forseti.json': { adapter: ENTRY, records: [
    rejected('LogEntry: timestamp: expected an ISO 8601 date-time, got "0000-00-00T00:00:00.000Z"'),
  ] },
  'format-pubsub-push-envelope-binary-google-cloudevents.json':
    { adapter: PUSH, records: [rejected('Pub/Sub push message message-id: data is binary (4 bytes), not JSON text')] },
  'format-pubsub-push-envelope-duplicatedFields-google-cloudevents.json':
    { adapter: PUSH, records: [rejected('Pub/Sub push message message-id: data is binary (4 bytes), not JSON text')] },
  'format-pubsub-push-envelope-text-google-cloudevents.json':
    { adapter: PUSH, records: [rejected('Pub/Sub push message message-id: data is not JSON (got "test message 3")')] },
  'negative-auditlog-dns.managedZones.get-panther.json': { adapter: ENTRY, records: [unwatched('dns.managedZones.get')] },
  'negative-auditlog-v1.compute.forwardingRules.get-custodian.json':
    { adapter: ENTRY, records: [unwatched('compute.forwardingRules.get', 'p9c2g3c5k6')] },
  'negative-auditlog-v1.compute.globalAddresses.get-custodian.json':
    { adapter: ENTRY, records: [unwatched('compute.globalAddresses.get', '-lx15ild6o9y')] },
  // A Kubernetes data-access entry without an AuditLog payload (Loki's test payload).
  'pubsub-push-envelope-auditlog-k8s-loki.json': { adapter: PUSH, records: [
    rejected('Pub/Sub push message 5187581549398349: LogEntry: not a Cloud Audit Log entry (no protoPayload)'),
  ] },
};

const available = corpusAvailable();
const files = available ? corpusFiles('gcp') : [];

describe.skipIf(!available)('the GCP corpus (real published samples)', () => {
  it('has an expectation for every file, and a file for every expectation', () => {
    expect(files.map((file) => basename(file)).sort()).toStrictEqual(Object.keys(EXPECTED).sort());
  });

  it.each(corpusCases(files))('%s', (name, file) => {
    const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const expected = EXPECTED[name];
    if (!expected) throw new Error(`no expectation for ${name}`);

    const { matched, records } = readCorpusDocument(gcpAdapters, raw);

    expect(matched).toStrictEqual([expected.adapter]);
    expect(records).toStrictEqual(expected.records);
  });

  it('reads every negative- sample as ignored', () => {
    const negatives = files.filter((file) => basename(file).startsWith('negative-'));

    const statuses = negatives.flatMap((file) => {
      const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
      return gcpAdapters.find((adapter) => adapter.matches(raw))?.parse(raw).map((record) => record.status) ?? ['unmatched'];
    });

    expect(negatives.length).toBeGreaterThan(0);
    expect(statuses.every((status) => status === 'ignored')).toBe(true);
  });
});
