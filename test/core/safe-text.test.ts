import { describe, expect, it } from 'vitest';
import { allAdapters } from '../../adapters/index.js';
import { clip, quote } from '../../core/reasons.js';
import { accountProblem, printable, resourceIdProblem, safeChanges, unsafeCharacter } from '../../core/safe-text.js';
import { SNAPSHOT_SCHEMA } from '../../core/snapshot.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';
import { loadFixture, type Doc } from '../support/fixtures.js';
import { awsChange, pipelineWith } from '../support/pipeline-harness.js';

const SUB = 'c5a1f3d2-7b4e-4a09-8e61-2f9d0b7c4a13';

describe('safe text helpers', () => {
  it('finds control characters and lone surrogates, and leaves surrogate pairs alone', () => {
    expect(unsafeCharacter('rt-\ud800')).toBe('a lone surrogate (U+D800) at 3');
    expect(unsafeCharacter('a\u0007b')).toBe('a control character (U+0007) at 1');
    expect(unsafeCharacter('emoji \ud83d\ude00 ok')).toBeUndefined();
  });

  it('makes text one printable line', () => {
    expect(printable('a\nb\u2028c\udc00')).toBe('a\\u000ab\\u2028c\ufffd');
  });

  it('cuts reasons without splitting a surrogate pair and quotes at most a short prefix', () => {
    expect(clip(`${'x'.repeat(299)}\ud83d\ude00 more`)).toBe(`${'x'.repeat(299)}…`);
    expect(quote('a'.repeat(900_000))).toBe(`"${'a'.repeat(40)}…"`);
  });

  it('knows each cloud\'s account grammar', () => {
    expect(accountProblem('aws', '111122223333')).toBeUndefined();
    expect(accountProblem('aws', '1'.repeat(300))).toBe('account "1111111111111111111111111111111111111111…" is too long (300 characters, at most 128)');
    expect(accountProblem('azure', SUB)).toBeUndefined();
    expect(accountProblem('azure', 'not-a-guid')).toBe('account "not-a-guid" is not an Azure subscription id (a GUID)');
    expect(accountProblem('gcp', 'acme-net-prod')).toBeUndefined();
    expect(accountProblem('gcp', 'example.com:acme-net-prod')).toBeUndefined();
    expect(accountProblem('gcp', 'Acme')).toBe('account "Acme" is not a GCP project id');
  });

  it('knows each cloud\'s resource id grammar', () => {
    expect(resourceIdProblem('aws', 'tgw-rtb-0a1b2c3d')).toBeUndefined();
    expect(resourceIdProblem('aws', 'Z0EXAMPLE')).toBeUndefined();
    expect(resourceIdProblem('aws', 'rtb-0a1/../x')).toBe('resource id "rtb-0a1/../x" is not an AWS resource id');
    expect(resourceIdProblem('azure', `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt-\ud800`))
      .toBe('resource id "/subscriptions/c5a1f3d2-7b4e-4a09-8e61-2…" holds a lone surrogate (U+D800) at 113');
    expect(resourceIdProblem('gcp', `projects/p/global/networks/${'n'.repeat(300)}`)).toBe(`resource id "projects/p/global/networks/nnnnnnnnnnnnn…" is not a GCP resource path`);
  });

  it('escapes the actor and payload text of a change, and drops prototype keys', () => {
    const item = JSON.parse('{"destination":"0.0.0.0/0","__proto__":{"polluted":true},"note":"a\\u0007"}') as Record<string, unknown>;
    const change = awsChange({
      kind: 'route-table', id: 'rtb-0a1', actor: { principal: 'alice\nbob', userAgent: 'x'.repeat(2_000) },
      payload: { kind: 'delta', deltas: [{ op: 'put-item', field: 'routes', key: ['destination'], item }] },
    });

    const checked = safeChanges([change]);

    expect(checked).toMatchObject({ value: [{ actor: { principal: 'alice\\u000abob' } }] });
    const [safe] = 'value' in checked ? checked.value : [];
    expect(safe?.actor.userAgent).toHaveLength(513);
    expect(safe?.payload).toEqual({ kind: 'delta', deltas: [{ op: 'put-item', field: 'routes', key: ['destination'], item: { destination: '0.0.0.0/0', note: 'a\\u0007' } }] });
  });
});

describe('every adapter checks ids as it parses', () => {
  async function handle(raw: unknown) {
    const harness = await pipelineWith([], { adapters: allAdapters });
    try {
      return (await harness.pipeline.handle(raw)).records;
    } finally {
      await harness.close();
    }
  }

  it('an Azure event whose resource id holds a lone surrogate is rejected with a short reason', async () => {
    const event = loadFixture('azure', 'eventgrid', 'routeTables-write');
    const id = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/routeTables/rt-\ud800`;
    Object.assign(event, { subject: id });
    (event.data as Doc).resourceUri = id;

    const [record] = await handle([event]);

    expect(record).toMatchObject({ status: 'rejected', reason: 'Event Grid event [0]: resource id "/subscriptions/c5a1f3d2-7b4e-4a09-8e61-2…" holds a lone surrogate (U+D800) at 117' });
  });

  it('an AWS account of 300 digits is rejected at the edge: no file name is ever made of it', async () => {
    const record = loadFixture('aws', 'cloudtrail', 'CreateRoute');
    record.recipientAccountId = '1'.repeat(300);

    const [outcome] = await handle(record);

    expect(outcome).toMatchObject({ status: 'rejected' });
    expect(outcome?.reason).toBe('CloudTrail record ec2:CreateRoute: account "1111111111111111111111111111111111111111…" is too long (300 characters, at most 128)');
  });

  it('a GCP project id that breaks the grammar is rejected', async () => {
    const entry = loadFixture('gcp', 'auditlog', 'compute.routes.insert');
    ((entry.resource as Doc).labels as Doc).project_id = 'p'.repeat(400);

    const [outcome] = await handle(entry);

    expect(outcome).toMatchObject({ status: 'rejected', reason: expect.stringContaining('is too long (400 characters, at most 128)') as unknown });
  });

  it('an empty delivery is one rejection that says so', async () => {
    expect(await handle({ Records: [] })).toMatchObject([{ status: 'rejected', reason: 'CloudTrail log file: Records is empty (no audit record to process)' }]);
    expect(await handle([])).toMatchObject([{ status: 'rejected', reason: 'not an event: empty array' }]);
  });
});

describe('the filesystem store', () => {
  it('refuses an account too long for a file name as bad input, quoting only its start', async () => {
    const store = new FilesystemSnapshotStore('/nonexistent-netdrift');
    const scope = { cloud: 'aws' as const, account: '1'.repeat(300) };

    await expect(store.get(scope, 'baseline')).rejects.toThrow('snapshot store: account "1111111111111111111111111111111111111111…" cannot be a file name');
    await expect(store.put(scope, 'baseline', { schema: SNAPSHOT_SCHEMA, scope, capturedAt: '2026-11-25T00:00:00Z', resources: [] })).rejects.toThrow(/cannot be a file name/);
  });
});
