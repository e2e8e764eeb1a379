import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BaselineCache } from '../../core/baseline-cache.js';
import { OperatorError } from '../../core/errors.js';
import { baselineApprovalCheck } from '../../snapshots/approval.js';
import { canonicalJson, snapshotSha256 } from '../../snapshots/canonical.js';
import type { SnapshotSlot } from '../../core/ports.js';
import type { Scope } from '../../core/resource.js';
import { SNAPSHOT_SCHEMA } from '../../core/snapshot.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';
import { tempTree } from '../support/cli.js';

/** The filesystem store, counting reads (whole, or streamed). */
class CountingStore extends FilesystemSnapshotStore {
  reads = 0;
  wholeReads = 0;

  override async get(scope: Scope, slot: SnapshotSlot) {
    this.reads += 1;
    this.wholeReads += 1;
    return super.get(scope, slot);
  }

  override async openStream(scope: Scope, slot: SnapshotSlot) {
    this.reads += 1;
    return super.openStream(scope, slot);
  }
}

const AWS: Scope = { cloud: 'aws', account: '111122223333' };
const routeTable = (id: string) => ({ kind: 'route-table', id, region: 'eu-west-1', routes: [{ destination: '10.0.0.0/16', target: { type: 'local' } }], subnets: [] });
const snapshot = (scope: Scope, resources: unknown[]) => ({ schema: SNAPSHOT_SCHEMA, scope, capturedAt: '2026-11-25T00:00:00Z', resources });

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});

describe('BaselineCache', () => {
  it('revalidates an unchanged baseline by its etag, without reading it again, and reads a changed one', async () => {
    dir = await tempTree({ 'aws/111122223333.json': snapshot(AWS, [routeTable('rtb-01')]) });
    const store = new CountingStore(dir);
    let now = 0;
    const trusted: string[] = [];
    const cache = new BaselineCache(store, 60_000, () => now, (stored) => { trusted.push(stored.etag); });

    const first = await cache.get(AWS);
    now += 61_000;
    const same = await cache.get(AWS);
    await writeFile(join(dir, 'aws/111122223333.json'), JSON.stringify(snapshot(AWS, [routeTable('rtb-01'), routeTable('rtb-02')])));
    now += 61_000;
    const changed = await cache.get(AWS);

    expect(same).toBe(first);
    expect(changed).not.toBe(first);
    expect(changed?.resource('route-table', 'rtb-02')?.id).toBe('rtb-02');
    expect(store.reads).toBe(2);
    expect(trusted).toEqual([first?.etag, changed?.etag]);
  });

  it('reads a baseline once for callers that ask at the same time', async () => {
    dir = await tempTree({ 'aws/111122223333.json': snapshot(AWS, [routeTable('rtb-01')]) });
    const store = new CountingStore(dir);
    const cache = new BaselineCache(store);

    const [readiness, event] = await Promise.all([cache.get(AWS), cache.get(AWS)]);

    expect(event).toBe(readiness);
    expect(store.reads).toBe(1);
  });

  it('streams an approved baseline and trusts it by the digest of its bytes', async () => {
    const content = snapshot(AWS, [routeTable('rtb-01'), routeTable('rtb-02')]) as Parameters<typeof snapshotSha256>[0];
    const approved = { ...content, approval: { sha256: snapshotSha256(content), approvedAt: '2026-11-25T01:00:00Z' } };
    dir = await tempTree({ 'aws/111122223333.json': {} });
    await writeFile(join(dir, 'aws/111122223333.json'), canonicalJson(approved));
    const store = new CountingStore(dir);

    const baseline = await new BaselineCache(store, 60_000, () => 0, baselineApprovalCheck()).get(AWS);

    expect(baseline?.ofKind('route-table').map((r) => r.id)).toEqual(['rtb-01', 'rtb-02']);
    expect(baseline?.snapshot.approval).toEqual(approved.approval);
    expect(baseline?.location).toBe(join(dir, 'aws/111122223333.json'));
    expect(store.wholeReads).toBe(0);
  });

  it('names the line and column of a baseline that is not JSON, caches nothing, and reads the fix', async () => {
    dir = await tempTree({ 'aws/111122223333.json': {} });
    const file = join(dir, 'aws/111122223333.json');
    await writeFile(file, '{\n  "schema": "netdrift/snapshot@1",\n  "resources": [\n    { "kind": "route-table" ,, }\n  ]\n}\n');
    const cache = new BaselineCache(new FilesystemSnapshotStore(dir), 60_000, () => 0);

    const broken = await cache.get(AWS).catch((error: unknown) => error);
    await writeFile(file, JSON.stringify(snapshot(AWS, [routeTable('rtb-01')])));
    const fixed = await cache.get(AWS);

    expect(broken).toBeInstanceOf(OperatorError);
    expect((broken as Error).message).toMatch(/^.*111122223333\.json: invalid JSON: .* at line 4 column \d+$/);
    expect(fixed?.resource('route-table', 'rtb-01')?.id).toBe('rtb-01');
  });

  it('finds resources by kind and id as the cloud compares ids, and lists a kind in the snapshot\'s order', async () => {
    const azure: Scope = { cloud: 'azure', account: '00000000-0000-0000-0000-000000000001' };
    const id = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/Net/providers/Microsoft.Network/routeTables/rt-Hub';
    dir = await tempTree({
      [`azure/${azure.account}.json`]: snapshot(azure, [
        routeTable(id), routeTable(`${id}-2`),
        { kind: 'subnet', id: `${id}-subnet`, region: 'westeurope' },
      ]),
    });
    const baseline = await new BaselineCache(new FilesystemSnapshotStore(dir)).get(azure);

    expect(baseline?.resource('route-table', id.toUpperCase())?.id).toBe(id);
    expect(baseline?.resource('subnet', id)).toBeUndefined();
    expect(baseline?.ofKind('route-table').map((r) => r.id)).toEqual([id, `${id}-2`]);
    expect(baseline?.ofKind('peering')).toEqual([]);
  });
});
