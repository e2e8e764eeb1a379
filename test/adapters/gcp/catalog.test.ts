import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gcpCatalog, gcpCatalogRow, gcpLogFilter, normalizeMethod } from '../../../adapters/gcp/index.js';
import { gcpExtractors } from '../../../adapters/gcp/extractors.js';
import { FIXTURES, auditLog, changesOf } from './fixtures.js';

const REQUIRED = [
  'compute.routes.insert', 'compute.routes.delete',
  'compute.routers.insert', 'compute.routers.patch', 'compute.routers.update', 'compute.routers.delete',
  'compute.forwardingRules.insert', 'compute.forwardingRules.delete',
  'compute.globalForwardingRules.insert', 'compute.globalForwardingRules.delete',
  'compute.networks.addPeering', 'compute.networks.removePeering',
  'compute.subnetworks.patch', 'compute.subnetworks.setPrivateIpGoogleAccess',
  'dns.managedZones.create', 'dns.managedZones.patch', 'dns.managedZones.update', 'dns.managedZones.delete',
  'dns.changes.create', 'dns.policies.create', 'dns.policies.patch', 'dns.policies.update', 'dns.policies.delete',
];

describe('gcpCatalog', () => {
  it('has one row per method, and a row for every watched method', () => {
    const operations = gcpCatalog.map((row) => row.operation);

    expect(new Set(operations).size).toBe(operations.length);
    expect([...operations].sort()).toStrictEqual([...REQUIRED].sort());
  });

  it('names each operation by its method without the API version, under its service', () => {
    for (const row of gcpCatalog) {
      expect(row.cloud).toBe('gcp');
      expect(row.name).toBe(row.operation);
      expect(row.source).toBe(row.name.startsWith('dns.') ? 'dns.googleapis.com' : 'compute.googleapis.com');
      expect(gcpCatalogRow(row.name)).toBe(row);
    }
  });

  it.each([
    ['v1.compute.routes.insert', 'compute.routes.insert'],
    ['beta.compute.routers.insert', 'compute.routers.insert'],
    ['alpha.compute.routers.patch', 'compute.routers.patch'],
    ['compute.routes.delete', 'compute.routes.delete'],
    ['dns.managedZones.create', 'dns.managedZones.create'],
  ])('finds the row of %s', (methodName, operation) => {
    expect([normalizeMethod(methodName), gcpCatalogRow(methodName)?.operation]).toStrictEqual([operation, operation]);
  });

  it('has no row for methods nobody watches', () => {
    expect([gcpCatalogRow('v1.compute.firewalls.insert'), gcpCatalogRow('dns.managedZones.get')]).toStrictEqual([undefined, undefined]);
  });

  it('has an extractor for every row and a row for every extractor', () => {
    expect(Object.keys(gcpExtractors).sort()).toStrictEqual(gcpCatalog.map((row) => row.operation).sort());
  });

  it('has an audit log fixture for every row, and no fixture without a row', () => {
    const files = readdirSync(join(FIXTURES, 'auditlog')).sort();

    expect(files).toStrictEqual(gcpCatalog.map((row) => `${row.name}.json`).sort());
    for (const row of gcpCatalog) {
      const entry = auditLog(row.name);
      const payload = entry.protoPayload as Record<string, unknown>;
      expect([payload.serviceName, normalizeMethod(String(payload.methodName))]).toStrictEqual([row.source, row.name]);
    }
  });

  it("yields changes of the row's kind for every fixture", () => {
    for (const row of gcpCatalog) {
      const changes = changesOf(auditLog(row.name));
      expect(changes.length, row.name).toBeGreaterThan(0);
      expect(changes.every((change) => change.kind === row.kind && change.operation === row.operation), row.name).toBe(true);
    }
  });
});

describe('gcpLogFilter', () => {
  it('selects the Admin Activity log and every spelling of every catalog method', () => {
    const filter = gcpLogFilter();

    expect(filter.startsWith('logName:"cloudaudit.googleapis.com%2Factivity" AND protoPayload.methodName=(')).toBe(true);
    for (const row of gcpCatalog) {
      expect(filter).toContain(`"${row.name}"`);
      if (row.source === 'compute.googleapis.com') {
        for (const version of ['v1', 'beta', 'alpha']) expect(filter).toContain(`"${version}.${row.name}"`);
      } else {
        expect(filter).not.toContain(`"v1.${row.name}"`);
      }
    }
  });

  it('is generated from the catalog it is given, within the 20,000-character query limit', () => {
    const rows = gcpCatalog.filter((row) => row.name === 'dns.changes.create');

    expect(gcpLogFilter(rows)).toBe('logName:"cloudaudit.googleapis.com%2Factivity" AND protoPayload.methodName=("dns.changes.create")');
    expect(gcpLogFilter().length).toBeLessThan(20_000);
  });
});
