import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gcpAdapters } from '../../adapters/gcp/index.js';
import type { Resource } from '../../core/resource.js';
import { SNAPSHOT_SCHEMA } from '../../core/snapshot.js';
import { pipelineWith } from '../support/pipeline-harness.js';

/** GCP benign cases and reverts end to end (every catalog row is in test/adapters/gcp/pipeline.test.ts). */
const FIXTURES = join(import.meta.dirname, '../fixtures/gcp/auditlog');
const P = 'acme-net-prod';
const NET = `projects/${P}/global/networks/prod-vpc`;
type Entry = Record<string, unknown> & { protoPayload: Record<string, unknown>; insertId: string; timestamp: string };
const entry = (name: string, edit: (e: Entry) => void = () => {}): Entry => {
  const e = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Entry;
  edit(e);
  return e;
};

const network: Resource = { kind: 'route-table', id: NET, region: 'global', subnets: [], routes: [] };

let harness: Awaited<ReturnType<typeof pipelineWith>> | undefined;
afterEach(async () => { await harness?.close(); harness = undefined; });

async function replay(baseline: Resource[], ...events: unknown[]) {
  harness = await pipelineWith([{ schema: SNAPSHOT_SCHEMA, scope: { cloud: 'gcp', account: P }, capturedAt: '2026-11-25T00:00:00Z', resources: structuredClone(baseline) }], { adapters: gcpAdapters });
  const findings = [];
  for (const event of events) for (const record of (await harness.pipeline.handle(event)).records) findings.push(...record.opened, ...record.resolved);
  return findings.map((f) => `${f.status} ${f.rule} ${f.severity}`);
}

describe('GCP scenarios', () => {
  it('a route inserted, then deleted: the finding resolves', async () => {
    const remove = entry('compute.routes.delete', (e) => {
      e.protoPayload.resourceName = `projects/${P}/global/routes/egress-bypass`;
      e.timestamp = '2026-11-26T11:00:00Z';
    });
    expect(await replay([network], entry('compute.routes.insert'), remove)).toEqual(['open route.default-added critical', 'resolved route.default-added critical']);
  });

  it('a DNS policy created, then deleted: the finding resolves', async () => {
    expect(await replay([network], entry('dns.policies.create'), entry('dns.policies.delete'))).toEqual(['open dns-forwarding.changed high', 'resolved dns-forwarding.changed high']);
  });

  it('a change equal to the baseline yields nothing', async () => {
    const same: Resource = { ...network, routes: [{ name: 'egress-bypass', destination: '0.0.0.0/0', priority: 900, tags: ['egress-bypass'], target: { type: 'internet', id: `projects/${P}/global/gateways/default-internet-gateway` } }] };
    expect(await replay([same], entry('compute.routes.insert'))).toEqual([]);
  });

  it('an unrelated operation yields nothing', async () => {
    const firewall = entry('compute.routes.insert', (e) => { e.protoPayload.methodName = 'v1.compute.firewalls.insert'; });
    expect(await replay([network], firewall)).toEqual([]);
  });

  it('a call refused outright yields nothing', async () => {
    const refused = entry('compute.routes.insert', (e) => {
      e.protoPayload.status = { code: 7, message: 'PERMISSION_DENIED' };
      delete e.operation;
    });
    expect(await replay([network], refused)).toEqual([]);
  });
});
