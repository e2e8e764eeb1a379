import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BaselineCache } from '../../core/baseline-cache.js';
import type { SnapshotSlot } from '../../core/ports.js';
import type { Scope } from '../../core/resource.js';
import { SNAPSHOT_SCHEMA } from '../../core/snapshot.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';
import { tempTree } from '../support/cli.js';

/** The filesystem store, counting whole reads. */
class CountingStore extends FilesystemSnapshotStore {
  reads = 0;

  override async get(scope: Scope, slot: SnapshotSlot) {
    this.reads += 1;
    return super.get(scope, slot);
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
