/**
 * Run as a child process by the outbox tests: processes one event into a SQLite state file with
 * alerts routed to Slack, then dies by SIGKILL before sending anything — the crash between diff
 * and send that the outbox exists for.
 */
import { readFileSync } from 'node:fs';
import { allAdapters } from '../../adapters/index.js';
import { SqliteStateStore } from '../../adapters/local/sqlite-state-store.js';
import { Pipeline } from '../../core/pipeline.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';

const [stateFile, baselines, eventFile] = process.argv.slice(2);
if (!stateFile || !baselines || !eventFile) throw new Error('usage: crash-before-send STATE BASELINES EVENT');
const state = new SqliteStateStore(stateFile);
const pipeline = new Pipeline({ adapters: allAdapters, snapshots: new FilesystemSnapshotStore(baselines), state, route: () => ['slack'] });
const outcome = await pipeline.handle(JSON.parse(readFileSync(eventFile, 'utf8')) as unknown);
process.stdout.write(`${outcome.records.reduce((n, r) => n + r.opened.length, 0)} opened\n`);
process.kill(process.pid, 'SIGKILL');
