import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../adapters/local/sqlite-schema.js';
import { SqliteStateStore } from '../../../adapters/local/sqlite-state-store.js';
import type { FindingSelection } from '../../../core/ports.js';
import { AWS_SCOPE, AZURE_ROUTE_TABLE_ID, AZURE_SCOPE, sampleFinding } from '../../contract/samples.js';

const ROUTE_RULES: FindingSelection['itemRules'] = ['route.default-added', 'route.target-changed', 'route.added', 'route.removed'];

/** Open findings on one AWS route table: three routes added, one subnet associated, one unverified write. */
function findingsOnOneTable() {
  return [
    sampleFinding({ rule: 'route.added', item: '10.1.0.0/16', openedAt: '2026-11-26T10:00:01Z' }),
    sampleFinding({ rule: 'route.added', item: '10.2.0.0/16', openedAt: '2026-11-26T10:00:02Z' }),
    sampleFinding({ rule: 'route.target-changed', item: '10.3.0.0/16', openedAt: '2026-11-26T10:00:03Z' }),
    sampleFinding({ rule: 'route-table.association-changed', item: 'subnet-9', openedAt: '2026-11-26T10:00:04Z' }),
    sampleFinding({ rule: 'change.unverified', item: '', openedAt: '2026-11-26T10:00:05Z' }),
  ];
}

const brief = (findings: { rule: string; item: string }[]) => findings.map((f) => `${f.rule} ${f.item}`);

describe('SqliteStateStore: open findings of a resource, narrowed to what an event changed', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netdrift-sqlite-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the findings on the selected items and every finding under other rules, oldest first', async () => {
    // prepare
    const store = new SqliteStateStore(join(dir, 'state.sqlite'));
    await store.commit({ processed: [], observed: [], findings: findingsOnOneTable(), outbox: [] });

    // act
    const selected = await store.openFindings(AWS_SCOPE, 'route-table', 'rtb-0a1', { itemRules: ROUTE_RULES, items: ['10.2.0.0/16', '10.3.0.0/16', '10.9.0.0/16'] });
    const all = await store.openFindings(AWS_SCOPE, 'route-table', 'rtb-0a1');

    // assess
    expect(brief(selected)).toEqual([
      'route.added 10.2.0.0/16', 'route.target-changed 10.3.0.0/16', 'route-table.association-changed subnet-9', 'change.unverified ',
    ]);
    expect(all).toHaveLength(5);
    await store.close();
  });

  it('leaves out resolved findings and findings of other resources', async () => {
    const store = new SqliteStateStore(':memory:');
    await store.commit({
      processed: [], observed: [], outbox: [],
      findings: [
        sampleFinding({ rule: 'route.added', item: '10.1.0.0/16', status: 'resolved', resolvedAt: '2026-11-26T11:00:00Z' }),
        sampleFinding({ rule: 'route.added', item: '10.1.0.0/16', resource: 'rtb-other' }),
        sampleFinding({ rule: 'change.unverified', item: '', resource: 'rtb-other' }),
      ],
    });

    expect(await store.openFindings(AWS_SCOPE, 'route-table', 'rtb-0a1', { itemRules: ROUTE_RULES, items: ['10.1.0.0/16'] })).toEqual([]);
    await store.close();
  });

  it('selects Azure items and resources whatever their case', async () => {
    const store = new SqliteStateStore(':memory:');
    const finding = sampleFinding({ cloud: 'azure', account: AZURE_SCOPE.account, resource: AZURE_ROUTE_TABLE_ID, rule: 'route.added', item: 'To-Firewall' });
    await store.commit({ processed: [], observed: [], findings: [finding], outbox: [] });

    const selected = await store.openFindings(AZURE_SCOPE, 'route-table', AZURE_ROUTE_TABLE_ID.toUpperCase(), { itemRules: ROUTE_RULES, items: ['to-firewall'] });

    expect(selected).toEqual([finding]);
    await store.close();
  });

  it('narrows the findings a database of schema version 3 already held (their rule filled in when it is opened)', async () => {
    // prepare: a file as the previous netdrift wrote it
    const file = join(dir, 'state.sqlite');
    const old = new Database(file);
    for (const migration of MIGRATIONS.slice(0, 3)) old.exec(migration);
    old.pragma('user_version = 3');
    const insert = old.prepare(`INSERT INTO findings (fingerprint, status, cloud, account, kind, resource_key, json, opened_at, resolved_at)
      VALUES (?, 'open', 'aws', ?, 'route-table', ?, ?, ?, NULL)`);
    for (const f of findingsOnOneTable()) insert.run(f.fingerprint, f.account, `aws/${f.account}/route-table/rtb-0a1`, JSON.stringify(f), f.openedAt);
    old.close();

    // act
    const store = new SqliteStateStore(file);
    const selected = await store.openFindings(AWS_SCOPE, 'route-table', 'rtb-0a1', { itemRules: ROUTE_RULES, items: ['10.1.0.0/16'] });

    // assess
    expect(brief(selected)).toEqual(['route.added 10.1.0.0/16', 'route-table.association-changed subnet-9', 'change.unverified ']);
    await store.close();
  });
});
