import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SnapshotFileReader } from '../../../adapters/local/snapshot-file-reader.js';
import { ParseError } from '../../../core/errors.js';
import type { Snapshot } from '../../../core/snapshot.js';
import { canonicalJson } from '../../../snapshots/canonical.js';
import { AWS_SCOPE, AZURE_ROUTE_TABLE_ID, AZURE_SCOPE, sampleRouteTable, sampleSnapshot } from '../../contract/samples.js';

describe('SnapshotFileReader', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netdrift-observed-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function write(path: string, snapshot: Snapshot | string): Promise<string> {
    const full = join(dir, path);
    await mkdir(join(full, '..'), { recursive: true });
    await writeFile(full, typeof snapshot === 'string' ? snapshot : canonicalJson(snapshot));
    return full;
  }

  it('reads a resource described under the folder, in nested folders too', async () => {
    await write('aws/111122223333.json', sampleSnapshot());
    const reader = await SnapshotFileReader.open(dir);

    const result = await reader.read({ ...AWS_SCOPE, kind: 'nat-gateway', id: 'nat-01', region: 'eu-west-1' });

    expect(result).toEqual({ exists: true, state: sampleSnapshot().resources[1] });
  });

  it('says a resource the folder lacks does not exist', async () => {
    await write('aws/111122223333.json', sampleSnapshot());
    const reader = await SnapshotFileReader.open(dir);

    expect(await reader.read({ ...AWS_SCOPE, kind: 'nat-gateway', id: 'nat-99', region: 'eu-west-1' })).toEqual({ exists: false });
    expect(await reader.read({ cloud: 'aws', account: '444455556666', kind: 'nat-gateway', id: 'nat-01', region: 'eu-west-1' }))
      .toEqual({ exists: false });
  });

  it('skips candidates and history', async () => {
    await write('aws/111122223333.candidate.json', sampleSnapshot());
    await write('aws/111122223333.history/20261126T000000000Z-0123456789ab.json', sampleSnapshot());
    const reader = await SnapshotFileReader.open(dir);

    expect(reader.size).toBe(0);
  });

  it('matches Azure ids whatever their case', async () => {
    await write('observed.json', { ...sampleSnapshot(AZURE_SCOPE), resources: [sampleRouteTable(AZURE_ROUTE_TABLE_ID)] });
    const reader = await SnapshotFileReader.open(dir);

    const result = await reader.read({ ...AZURE_SCOPE, kind: 'route-table', id: AZURE_ROUTE_TABLE_ID.toUpperCase(), region: 'westeurope' });

    expect(result.exists).toBe(true);
  });

  it('gives a copy that callers may change', async () => {
    await write('aws/111122223333.json', sampleSnapshot());
    const reader = await SnapshotFileReader.open(dir);
    const ref = { ...AWS_SCOPE, kind: 'nat-gateway' as const, id: 'nat-01', region: 'eu-west-1' };
    const first = await reader.read(ref);
    if (first.exists) first.state.region = 'changed';

    expect(await reader.read(ref)).toMatchObject({ exists: true, state: { region: 'eu-west-1' } });
  });

  it('fails at open on a file that does not parse, naming it', async () => {
    const file = await write('aws/111122223333.json', '{ "schema": "netdrift/snapshot@1", ');

    const open = SnapshotFileReader.open(dir);

    await expect(open).rejects.toBeInstanceOf(ParseError);
    await expect(open).rejects.toThrow(`${file}: invalid JSON`);
  });

  it('fails at open on a resource described twice', async () => {
    await write('a.json', sampleSnapshot());
    const second = await write('b.json', sampleSnapshot());

    await expect(SnapshotFileReader.open(dir)).rejects.toThrow(`${second}: dns-zone Z0EXAMPLE is also in`);
  });

  it('captures an account as the files describe it, limited to regions and global', async () => {
    await write('aws/111122223333.json', sampleSnapshot());
    const reader = await SnapshotFileReader.open(dir);

    const { snapshot, failures } = await reader.capture(AWS_SCOPE, ['us-east-1']);

    expect(failures).toEqual([]);
    expect(snapshot.resources.map((resource) => resource.id)).toEqual(['Z0EXAMPLE']);
  });
});
