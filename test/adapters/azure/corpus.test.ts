import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { activityLogRecordAdapter, azureAdapters, eventGridAdapter } from '../../../adapters/azure/index.js';
import type { ParsedRecord } from '../../../core/change.js';
import { corpusAvailable, corpusCases, corpusFiles, readCorpusDocument } from '../../support/corpus.js';

/** What one real published sample must yield: the adapter that takes it, and each parsed record. */
type Expectation =
  | { adapter: string; records: Record<string, unknown>[] }
  /** Records of a watched operation, compared whole. */
  | { adapter: string; exactly: ParsedRecord[] }
  /** The published text is not JSON, so no adapter can be given it (SOURCES.md says why). */
  | { invalidJson: true };

const RECORD = 'azure-activity-log-record';
const GRID = 'azure-event-grid';
const unwatched = (detail: string, eventId?: string) => ({ status: 'ignored', reason: 'unwatched', detail, ...(eventId ? { eventId } : {}) });
const record = (detail: string): Expectation => ({ adapter: RECORD, records: [unwatched(detail)] });

interface VnetRecord { vnet: string; account: string; region: string; correlationId: string; time: string; sourceIp: string }

/**
 * The one parsed record of an Activity Log record of a VNet write or delete: the route tables and NAT gateways
 * holding any of its subnets, and its peerings (deleted with it), selected under the id as the record spells it.
 * The event id is the diagnostic record's dedupe key (correlation id, operation, resource, lower-cased).
 */
function vnetRecord(verb: 'write' | 'delete', r: VnetRecord): Expectation {
  const operation = `Microsoft.Network/virtualNetworks/${verb}`;
  const eventId = `${r.correlationId}|${operation.toLowerCase()}|${r.vnet.toLowerCase()}`;
  const common = {
    cloud: 'azure', account: r.account, region: r.region, eventId, operation, time: r.time,
    actor: { sourceIp: r.sourceIp }, payload: { kind: 'none' },
  } as const;
  return { adapter: RECORD, exactly: [{ status: 'changes', eventId, changes: [
    { ...common, kind: 'route-table', id: '', action: 'update', select: { field: 'subnets', containsPrefix: `${r.vnet}/subnets/` } },
    { ...common, kind: 'nat-gateway', id: '', action: 'update', select: { field: 'subnets', containsPrefix: `${r.vnet}/subnets/` } },
    { ...common, kind: 'peering', id: '', action: verb === 'delete' ? 'delete' : 'update',
      select: { idPrefix: `${r.vnet}/virtualNetworkPeerings/` } },
  ] }] };
}

/**
 * One row per file in ../shared/corpus/azure; SOURCES.md there says where each comes from. Only the virtual
 * network writes and deletes are of watched operations; firewall policies, NSGs and network watchers are not
 * in the catalog.
 */
const EXPECTED: Record<string, Expectation> = {
  'activitylog-firewallPolicies-delete-UPPERCASE-panther-1.json': record('MICROSOFT.NETWORK/FIREWALLPOLICIES/DELETE'),
  'activitylog-firewallPolicies-delete-lowercase-panther-2.json': record('microsoft.network/firewallpolicies/delete'),
  'activitylog-firewallPolicies-write-UPPERCASE-panther.json': record('MICROSOFT.NETWORK/FIREWALLPOLICIES/WRITE'),
  'activitylog-networkSecurityGroups-delete-lowercase-panther-2.json': record('microsoft.network/networksecuritygroups/delete'),
  'activitylog-networkSecurityGroups-delete-panther-1.json': record('Microsoft.Network/networkSecurityGroups/delete'),
  'activitylog-networkSecurityGroups-diagnosticSettings-write-panther.json':
    record('Microsoft.Network/networkSecurityGroups/providers/microsoft.insights/diagnosticSettings/write'),
  'activitylog-networkSecurityGroups-join-action-panther.json': record('Microsoft.Network/networkSecurityGroups/join/action'),
  'activitylog-networkSecurityGroups-securityRules-delete-panther.json': record('Microsoft.Network/networkSecurityGroups/securityRules/delete'),
  'activitylog-networkSecurityGroups-securityRules-write-panther.json': record('Microsoft.Network/networkSecurityGroups/securityRules/write'),
  'activitylog-networkSecurityGroups-write-panther-1.json': record('Microsoft.Network/networkSecurityGroups/write'),
  'activitylog-networkWatchers-delete-UPPERCASE-panther-1.json': record('MICROSOFT.NETWORK/NETWORKWATCHERS/DELETE'),
  'activitylog-networkWatchers-delete-lowercase-panther-2.json': record('microsoft.network/networkwatchers/delete'),
  'activitylog-rest-networkSecurityGroups-write-msdocs.json': { adapter: RECORD, records: [
    unwatched('Microsoft.Network/networkSecurityGroups/write', 'd0d36f97-b29c-4cd9-9d3d-ea2b92af3e9d'),
  ] },
  // An upper-cased operationName, no location: the region is unknown.
  'activitylog-virtualNetworks-delete-UPPERCASE-panther-3.json': vnetRecord('delete', {
    vnet: '/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups/network-rg/providers/Microsoft.Network/virtualNetworks/myvnet',
    account: '55555555-5555-5555-5555-555555555555', region: 'unknown', correlationId: 'e5f6a7b8-c9d0-1234-ef01-567890123456',
    time: '2025-12-22T14:00:00.0000000Z', sourceIp: '5.5.5.5',
  }),
  'activitylog-virtualNetworks-delete-lowercase-panther-2.json': vnetRecord('delete', {
    vnet: '/subscriptions/12345678-1234-1234-1234-123456789abc/resourceGroups/prod-rg/providers/Microsoft.Network/virtualNetworks/prodvnet',
    account: '12345678-1234-1234-1234-123456789abc', region: 'eastus', correlationId: 'f9e8d7c6-b5a4-3210-9876-fedcba098765',
    time: '2024-12-17T11:45:00.0000000Z', sourceIp: '1.2.3.4',
  }),
  // An empty location: the region is unknown.
  'activitylog-virtualNetworks-delete-panther-1.json': vnetRecord('delete', {
    vnet: '/subscriptions/12345678-1234-1234-1234-123456789abc/resourceGroups/myresourcegroup/providers/Microsoft.Network/virtualNetworks/myvnet',
    account: '12345678-1234-1234-1234-123456789abc', region: 'unknown', correlationId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
    time: '2024-12-17T10:30:00.0000000Z', sourceIp: '1.1.1.1',
  }),
  'activitylog-virtualNetworks-write-panther.json': vnetRecord('write', {
    vnet: '/subscriptions/12345678-1234-1234-1234-123456789abc/resourceGroups/myresourcegroup/providers/Microsoft.Network/virtualNetworks/myvnet',
    account: '12345678-1234-1234-1234-123456789abc', region: 'westus', correlationId: 'd4e5f6a7-b8c9-0123-def0-234567890123',
    time: '2024-12-17T13:30:00.0000000Z', sourceIp: '203.0.113.75',
  }),
  'format-activitylog-diag-records-supporttickets-msdocs.json': { adapter: 'azure-activity-log', records: [
    unwatched('microsoft.support/supporttickets/write'),
  ] },
  'format-eventgrid-ResourceActionSuccess-eventhub-listKeys-msdocs.json': { adapter: GRID, records: [
    unwatched('Microsoft.EventHub/namespaces/AuthorizationRules/listKeys/action', '{ID}'),
  ] },
  'format-eventgrid-ResourceDeleteSuccess-storage-msdocs.json': { adapter: GRID, records: [
    unwatched('Microsoft.Storage/storageAccounts/delete', '19a69642-1aad-4a96-a5ab-8d05494513ce'),
  ] },
  'format-eventgrid-ResourceWriteSuccess-resourceGroups-custodian.json': { adapter: GRID, records: [
    unwatched('Microsoft.Resources/subscriptions/resourceGroups/write', '619d2674-b396-4356-9619-6c5a52fe4e88'),
  ] },
  'format-eventgrid-ResourceWriteSuccess-storage-msdocs.json': { adapter: GRID, records: [
    unwatched('Microsoft.Storage/storageAccounts/write', '4db48cba-50a2-455a-93b4-de41a3b5b7f6'),
  ] },
  // A Storage Queue message: base64 of an Event Grid event whose published text has a trailing comma.
  'format-eventgrid-ResourceWriteSuccess-storagequeue-base64-custodian.b64': { invalidJson: true },
  'negative-activitylog-networkSecurityGroups-read-panther.json': record('Microsoft.Network/networkSecurityGroups/read'),
};

/** A corpus file's JSON text; a queue message (`.b64`) is decoded first, as the queue trigger does. */
function textOf(file: string): string {
  const content = readFileSync(file, 'utf8');
  return file.endsWith('.b64') ? Buffer.from(content.trim(), 'base64').toString('utf8') : content;
}

const available = corpusAvailable();
const files = available ? corpusFiles('azure') : [];

describe.skipIf(!available)('the Azure corpus (real published samples)', () => {
  it('has an expectation for every file, and a file for every expectation', () => {
    expect(files.map((file) => basename(file)).sort()).toStrictEqual(Object.keys(EXPECTED).sort());
  });

  it.each(corpusCases(files))('%s', (name, file) => {
    const expected = EXPECTED[name];
    if (!expected) throw new Error(`no expectation for ${name}`);
    const text = textOf(file);
    if ('invalidJson' in expected) {
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
      return;
    }
    const raw: unknown = JSON.parse(text);

    const { matched, records } = readCorpusDocument(azureAdapters, raw);

    expect(matched).toStrictEqual([expected.adapter]);
    if ('exactly' in expected) {
      expect(records).toStrictEqual(expected.exactly);
      return;
    }
    expect(records).toHaveLength(expected.records.length);
    expect(records).toMatchObject(expected.records);
  });

  it('deduplicates diagnostic records by correlation id, operation and resource', () => {
    const file = files.find((path) => basename(path) === 'activitylog-virtualNetworks-write-panther.json');
    if (!file) throw new Error('corpus file missing');

    const [parsed] = activityLogRecordAdapter.parse(JSON.parse(textOf(file)));

    expect(parsed).toMatchObject({ eventId: 'd4e5f6a7-b8c9-0123-def0-234567890123|microsoft.network/virtualnetworks/write|'
      + '/subscriptions/12345678-1234-1234-1234-123456789abc/resourcegroups/myresourcegroup/providers/microsoft.network/virtualnetworks/myvnet' });
  });

  it('reads the queue message once its trailing comma is repaired: an Event Grid event', () => {
    const file = files.find((path) => path.endsWith('.b64'));
    if (!file) throw new Error('corpus file missing');

    const raw: unknown = JSON.parse(textOf(file).replace(/,(\s*})/g, '$1'));

    expect(azureAdapters.filter((adapter) => adapter.matches(raw)).map((adapter) => adapter.name)).toStrictEqual([GRID]);
    expect(eventGridAdapter.parse(raw)).toStrictEqual([
      unwatched('Microsoft.Resources/subscriptions/resourceGroups/write', '619d2674-b396-4356-9619-6c5a52fe4e88'),
    ]);
  });
});
