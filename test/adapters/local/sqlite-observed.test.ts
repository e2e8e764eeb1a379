import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../adapters/local/sqlite-schema.js';
import { SqliteStateStore } from '../../../adapters/local/sqlite-state-store.js';
import type { ObservedState } from '../../../core/ports.js';
import type { Route, RouteTable } from '../../../core/resource.js';
import { AWS_SCOPE, sampleFinding, sampleObserved, sampleRouteTable } from '../../contract/samples.js';

const KEY = 'aws/111122223333/route-table/rtb-0a1';

function route(n: number): Route {
  return { destination: `10.${n}.0.0/16`, target: { type: 'transit', id: 'tgw-01' } };
}

function tableWith(routes: Route[], eventId = 'evt-1'): ObservedState {
  return { ...sampleObserved(), state: { ...sampleRouteTable(), routes }, eventId };
}

function commitObserved(store: SqliteStateStore, observed: ObservedState): Promise<void> {
  return store.commit({ processed: [], observed: [observed], findings: [], outbox: [] });
}

/** What a process that never read the file before finds in it. */
async function readAfresh(file: string): Promise<ObservedState | undefined> {
  const store = new SqliteStateStore(file, { readonly: true });
  const observed = await store.getObserved(AWS_SCOPE, 'route-table', 'rtb-0a1');
  await store.close();
  return observed;
}

async function routesOf(store: SqliteStateStore): Promise<readonly Route[]> {
  return ((await store.getObserved(AWS_SCOPE, 'route-table', 'rtb-0a1'))?.state as RouteTable).routes;
}

/** A deterministic sequence (mulberry32), so that a failing case can be run again. */
function randomFrom(seed: number): (below: number) => number {
  let a = seed;
  return (below) => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * below);
  };
}

describe('SqliteStateStore: observed state element by element', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netdrift-sqlite-'));
    file = join(dir, 'state.sqlite');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('opens a state file of schema version 4 with its observed states and findings as they were, and moves a state to rows when it is next written', async () => {
    // prepare: a file as the previous netdrift wrote it, each observed state one JSON document
    const old = new Database(file);
    for (const migration of MIGRATIONS.slice(0, 4)) old.exec(migration);
    old.pragma('user_version = 4');
    const before = tableWith([route(1), route(2)]);
    old.prepare('INSERT INTO observed (key, cloud, account, kind, id, region, state, event_time, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(KEY, 'aws', AWS_SCOPE.account, 'route-table', 'rtb-0a1', 'eu-west-1', JSON.stringify(before.state), before.eventTime, before.eventId);
    const finding = sampleFinding();
    old.prepare(`INSERT INTO findings (fingerprint, status, cloud, account, kind, resource_key, json, opened_at, resolved_at, rule)
                 VALUES (?, 'open', 'aws', ?, 'route-table', ?, ?, ?, NULL, ?)`)
      .run(finding.fingerprint, AWS_SCOPE.account, KEY, JSON.stringify(finding), finding.openedAt, finding.rule);
    old.close();

    // act
    const store = new SqliteStateStore(file);
    const read = await store.getObserved(AWS_SCOPE, 'route-table', 'rtb-0a1');
    const findings = await store.openFindings(AWS_SCOPE, 'route-table', 'rtb-0a1');
    const after = tableWith([...await routesOf(store), route(3)], 'evt-2');
    await commitObserved(store, after);
    await store.close();

    // assess
    expect(read).toEqual(before);
    expect(findings).toEqual([finding]);
    expect(await readAfresh(file)).toEqual(after);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT count(*) AS n FROM observed_items WHERE resource_key = ?').get(KEY)).toEqual({ n: 4 }); // 3 routes, 1 subnet
    db.close();
  });

  it('writes only the elements an event changed: the others keep their rows', async () => {
    const store = new SqliteStateStore(file);
    await commitObserved(store, tableWith([route(1), route(2), route(3)]));
    await commitObserved(store, tableWith([...await routesOf(store), route(4)], 'evt-2'));

    await commitObserved(store, tableWith((await routesOf(store)).slice(1), 'evt-3'));

    const db = new Database(file, { readonly: true });
    const rows = db.prepare("SELECT seq, item FROM observed_items WHERE resource_key = ? AND field = 'routes' ORDER BY seq").all(KEY);
    db.close();
    await store.close();
    // Written whole, the rows would be numbered from 0 again.
    expect(rows).toEqual([2, 3, 4].map((n, i) => ({ seq: i + 1, item: JSON.stringify(route(n)) })));
  });

  it('keeps every state whole and in order through random changes, as another process reads it', async () => {
    const store = new SqliteStateStore(file);
    const random = randomFrom(12);
    let routes: Route[] = [route(0)];
    let next = 1;
    for (let step = 0; step < 300; step += 1) {
      // Mostly built on the store's read, as core's deltas are; now and then read afresh (a live reader's fresh objects).
      const read = (await store.getObserved(AWS_SCOPE, 'route-table', 'rtb-0a1'))?.state as RouteTable | null;
      const shared = step % 7 === 0 || read === null ? routes.map((r) => structuredClone(r)) : [...read.routes];
      const at = random(shared.length + 1);
      switch (random(6)) {
        case 0: shared.push(route(next++)); break;
        case 1: shared.splice(at, 1); break;
        case 2: shared.splice(at, 0, route(next++), route(next++)); break;
        case 3: shared.reverse(); break;
        case 4: if (shared.length > 0) shared.push(shared[at % shared.length] as Route); break; // a duplicate
        default: shared.splice(at, 1, route(next++)); break;
      }
      routes = shared;
      const observed = tableWith(routes, `evt-${step}`);
      const gone = step % 50 === 49;
      await commitObserved(store, gone ? { ...observed, state: null } : observed);

      expect(await readAfresh(file)).toEqual(gone ? { ...observed, state: null } : observed);
      expect(await store.getObserved(AWS_SCOPE, 'route-table', 'rtb-0a1')).toEqual(gone ? { ...observed, state: null } : observed);
      if (gone) routes = [];
    }
    await store.close();
  });

  it('keeps the order of elements put again and again between the same two (their places renumbered when doubles run out)', async () => {
    const store = new SqliteStateStore(file);
    await commitObserved(store, tableWith([route(0), route(1), route(2)]));

    // Each new route goes right after route(1): the places between it and the last one put halve, down to what a double tells apart.
    for (let n = 3; n < 80; n += 1) {
      const [first, second, ...rest] = await routesOf(store);
      await commitObserved(store, tableWith([first as Route, second as Route, route(n), ...rest], `evt-${n}`));
    }

    const expected = [route(0), route(1), ...Array.from({ length: 77 }, (_, i) => route(79 - i)), route(2)];
    expect(((await readAfresh(file))?.state as RouteTable).routes).toEqual(expected);
    expect(await routesOf(store)).toEqual(expected);
    await store.close();
  });

  it('serves what another process wrote since it read', async () => {
    const a = new SqliteStateStore(file);
    const b = new SqliteStateStore(file);
    await commitObserved(a, tableWith([route(1), route(2)]));
    await routesOf(a);

    const fromB = tableWith([...await routesOf(b), route(3)], 'evt-2');
    await commitObserved(b, fromB);

    expect(await a.getObserved(AWS_SCOPE, 'route-table', 'rtb-0a1')).toEqual(fromB);
    await Promise.all([a.close(), b.close()]);
  });

  it('replaces a resource whole when it is written on a read that another process has since written over', async () => {
    const a = new SqliteStateStore(file);
    const b = new SqliteStateStore(file);
    await commitObserved(a, tableWith([route(1), route(2)]));
    const staleRoutes = await routesOf(a);
    await commitObserved(b, tableWith([...await routesOf(b), route(3)], 'evt-2'));

    // a writes what it decided on its earlier read (the last writer wins, as when each state was one document)
    const fromA = tableWith([...staleRoutes.slice(1), route(4)], 'evt-3');
    await commitObserved(a, fromA);

    expect(await b.getObserved(AWS_SCOPE, 'route-table', 'rtb-0a1')).toEqual(fromA);
    expect(await readAfresh(file)).toEqual(fromA);
    await Promise.all([a.close(), b.close()]);
  });

  it('keeps nothing of a refused commit, neither in the file nor in what it serves', async () => {
    const store = new SqliteStateStore(file);
    const before = tableWith([route(1), route(2)]);
    await commitObserved(store, before);
    const refused = tableWith([...await routesOf(store), route(3)], 'evt-2');

    const commit = store.commit({ processed: [{ key: 'aws:evt-2', expiresAt: '2099-01-01T00:00:00Z', claimedBy: 'worker-1' }], observed: [refused], findings: [], outbox: [] });

    await expect(commit).rejects.toThrow(/commit refused/);
    expect(await store.getObserved(AWS_SCOPE, 'route-table', 'rtb-0a1')).toEqual(before);
    const next = tableWith([...await routesOf(store), route(4)], 'evt-3');
    await commitObserved(store, next);
    expect(await readAfresh(file)).toEqual(next);
    await store.close();
  });

  it('reads a state written whole by an older netdrift still running on the file, over what it cached', async () => {
    const store = new SqliteStateStore(file);
    await commitObserved(store, tableWith([route(1), route(2)]));
    await routesOf(store);
    const byOlder = tableWith([route(7)], 'evt-2');
    const older = new Database(file);
    // The statement the previous netdrift prepared: it knows nothing of `rev` or of the elements' rows.
    older.prepare(`INSERT OR REPLACE INTO observed (key, cloud, account, kind, id, region, state, event_time, event_id)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(KEY, 'aws', AWS_SCOPE.account, 'route-table', 'rtb-0a1', 'eu-west-1', JSON.stringify(byOlder.state), byOlder.eventTime, byOlder.eventId);
    older.close();

    const read = await store.getObserved(AWS_SCOPE, 'route-table', 'rtb-0a1');
    const next = tableWith([...await routesOf(store), route(8)], 'evt-3');
    await commitObserved(store, next);

    expect(read).toEqual(byOlder);
    expect(await readAfresh(file)).toEqual(next);
    await store.close();
  });

  it('hands out elements that cannot be changed in place (a change there would never reach the file)', async () => {
    const store = new SqliteStateStore(':memory:');
    await commitObserved(store, tableWith([route(1)]));

    const [first] = await routesOf(store);

    expect(() => { (first as { destination: string }).destination = '10.9.0.0/16'; }).toThrow(TypeError);
    expect(() => { (first?.target as { id?: string }).id = 'tgw-02'; }).toThrow(TypeError);
    await store.close();
  });
});
