import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { activityLogRecordAdapter, azureAdapters, eventGridAdapter } from '../../../adapters/azure/index.js';
import { corpusAvailable, corpusFiles } from '../../support/corpus.js';

/** What one real published sample must yield: the adapter that takes it, and each parsed record. */
type Expectation =
  | { adapter: string; records: Record<string, unknown>[] }
  /** The published text is not JSON, so no adapter can be given it (SOURCES.md says why). */
  | { invalidJson: true };

const RECORD = 'azure-activity-log-record';
const GRID = 'azure-event-grid';
const unwatched = (detail: string, eventId?: string) => ({ status: 'ignored', reason: 'unwatched', detail, ...(eventId ? { eventId } : {}) });
const record = (detail: string): Expectation => ({ adapter: RECORD, records: [unwatched(detail)] });

/**
 * One row per file in ../shared/corpus/azure; SOURCES.md there says where each comes from. None is of a
 * watched operation: firewall policies, NSGs, network watchers and virtual networks are not in the catalog
 * (a VNet write can move inline subnets, but a selector cannot yet say "any subnet of this VNet").
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
  'activitylog-virtualNetworks-delete-UPPERCASE-panther-3.json': record('MICROSOFT.NETWORK/VIRTUALNETWORKS/DELETE'),
  'activitylog-virtualNetworks-delete-lowercase-panther-2.json': record('microsoft.network/virtualnetworks/delete'),
  'activitylog-virtualNetworks-delete-panther-1.json': record('Microsoft.Network/virtualNetworks/delete'),
  'activitylog-virtualNetworks-write-panther.json': record('Microsoft.Network/virtualNetworks/write'),
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

  it.each(files.map((file) => [basename(file), file]))('%s', (name, file) => {
    const expected = EXPECTED[name];
    if (!expected) throw new Error(`no expectation for ${name}`);
    const text = textOf(file);
    if ('invalidJson' in expected) {
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
      return;
    }
    const raw: unknown = JSON.parse(text);

    const adapters = azureAdapters.filter((adapter) => adapter.matches(raw));
    const records = adapters[0]?.parse(raw);

    expect(adapters.map((adapter) => adapter.name)).toStrictEqual([expected.adapter]);
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
