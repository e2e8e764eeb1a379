import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { allAdapters } from '../../adapters/index.js';
import type { RecordOutcome } from '../../core/pipeline.js';
import type { Snapshot } from '../../core/snapshot.js';
import { baselineApprovalCheck, checkBaselineApproval } from '../../snapshots/approval.js';
import { snapshotSha256 } from '../../snapshots/canonical.js';
import { approveCandidate, saveCandidate } from '../../snapshots/lifecycle.js';
import { baseline, cloudTrail, eventBridge } from '../cli/aws-events.js';
import { pipelineWith } from '../support/pipeline-harness.js';

const KEY = 'approval-key-held-by-the-approvers';
const SCOPE = { cloud: 'aws', account: '111122223333' } as const;
const toIgw = () => eventBridge(cloudTrail('ReplaceRoute', { routeTableId: 'rtb-0private01', destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0abc' }));
const summary = (r: RecordOutcome | undefined) => [r?.status, r?.class, ...(r?.opened ?? []).map((f) => `${f.rule} ${f.item}`)];

let harness: Awaited<ReturnType<typeof pipelineWith>> | undefined;
afterEach(async () => { await harness?.close(); harness = undefined; });

/** An approved baseline in a folder (signed when `key` is given), and a pipeline that checks with `checkKey`. */
async function approvedBaseline(key: string | undefined, checkKey: string | undefined) {
  const errors: string[] = [];
  harness = await pipelineWith([], { adapters: allAdapters, trustBaseline: baselineApprovalCheck(checkKey), error: (line) => errors.push(line) });
  await saveCandidate(harness.snapshots, baseline as Snapshot);
  await approveCandidate(harness.snapshots, SCOPE, { approvedBy: 'alice', ...(key ? { hmacKey: key } : {}) });
  const path = harness.snapshots.pathOf(SCOPE, 'baseline');
  return { harness, errors, path };
}

/** What an intruder does to hide an internet route: the baseline's 0.0.0.0/0 now goes to the internet gateway. */
async function moveDefaultRouteToIgw(path: string, options: { rewriteSha256?: boolean } = {}): Promise<void> {
  const document = JSON.parse(await readFile(path, 'utf8')) as Snapshot & { approval: { sha256: string } };
  const table = document.resources.find((r) => r.id === 'rtb-0private01') as { routes: { destination: string; target: unknown }[] };
  const route = table.routes.find((r) => r.destination === '0.0.0.0/0');
  if (route) route.target = { type: 'internet', id: 'igw-0abc' };
  if (options.rewriteSha256) document.approval.sha256 = snapshotSha256(document);
  await writeFile(path, JSON.stringify(document, null, 2));
}

describe('tamper evidence: a baseline is used only if it matches its approval', () => {
  it('with a key, a hand-edited baseline whose sha256 was rewritten too is refused and opens a finding naming the file', async () => {
    const { harness: h, errors, path } = await approvedBaseline(KEY, KEY);
    await moveDefaultRouteToIgw(path, { rewriteSha256: true });

    const outcome = (await h.pipeline.handle(toIgw())).records[0];

    expect(summary(outcome)).toEqual(['failed', 'operator', 'netdrift.misconfigured baseline-signature']);
    expect(outcome?.retryable).toBe(true);
    expect(outcome?.opened[0]?.summary).toContain(`${path}: refused: approval hmac does not match`);
    expect(errors).toEqual([expect.stringMatching(new RegExp(`${path}: refused: .* — fix: restore ${path} from its approved version`))]);
    expect((await h.state.listFindings({ status: 'open' })).map((f) => f.rule)).toEqual(['netdrift.misconfigured']);
  });

  it('with a key, the same event is processed once the approved baseline is put back, and the finding resolves', async () => {
    const { harness: h, path } = await approvedBaseline(KEY, KEY);
    const approved = await readFile(path, 'utf8');
    await moveDefaultRouteToIgw(path, { rewriteSha256: true });
    const event = toIgw();
    await h.pipeline.handle(event);

    await writeFile(path, approved);
    const retried = (await h.pipeline.handle(event)).records[0];

    expect(summary(retried)).toEqual(['applied', undefined, 'route.target-changed 0.0.0.0/0']);
    expect(retried?.resolved.map((f) => `${f.status} ${f.rule} ${f.item}`)).toEqual(['resolved netdrift.misconfigured baseline-signature']);
  });

  it('with a key, a baseline approved without one (no HMAC) is refused', async () => {
    const { harness: h } = await approvedBaseline(undefined, KEY);

    const outcome = (await h.pipeline.handle(toIgw())).records[0];

    expect(summary(outcome)).toEqual(['failed', 'operator', 'netdrift.misconfigured baseline-signature']);
    expect(outcome?.reason).toMatch(/refused: approval has no hmac$/);
  });

  it('without a key, a hand edit is still refused: its sha256 no longer matches the one recorded at approval', async () => {
    const { harness: h, path } = await approvedBaseline(undefined, undefined);
    await moveDefaultRouteToIgw(path);

    const outcome = (await h.pipeline.handle(toIgw())).records[0];

    expect(summary(outcome)).toEqual(['failed', 'operator', 'netdrift.misconfigured baseline-signature']);
    expect(outcome?.reason).toMatch(new RegExp(`^${path}: refused: content changed since approval: sha256 [0-9a-f]{12}… ≠ approved [0-9a-f]{12}…$`));
  });

  it('an untouched approved baseline is used, and the real drift opens its finding', async () => {
    const { harness: h, errors } = await approvedBaseline(KEY, KEY);

    const outcome = (await h.pipeline.handle(toIgw())).records[0];

    expect(summary(outcome)).toEqual(['applied', undefined, 'route.target-changed 0.0.0.0/0']);
    expect(outcome?.opened[0]?.severity).toBe('critical');
    expect(errors).toEqual([]);
  });

  it('a baseline never approved through netdrift is used without a key and refused with one', () => {
    const stored = { snapshot: structuredClone(baseline) as Snapshot, etag: 'e1', location: 'baselines/aws/111122223333.json' };

    const withoutKey = () => checkBaselineApproval(stored);
    const withKey = () => checkBaselineApproval(stored, KEY);

    expect(withoutKey).not.toThrow();
    expect(withKey).toThrow('baselines/aws/111122223333.json: refused: not approved: no approval field');
  });
});
