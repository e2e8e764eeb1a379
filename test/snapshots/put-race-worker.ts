// A separate process racing `put` with the others: `node --import tsx put-race-worker.ts DIR ETAG CAPTURED_AT START_MS`.
import { ConflictError } from '../../core/errors.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';
import { AWS_SCOPE, sampleSnapshot } from '../contract/samples.js';

const [dir, etag, capturedAt, startAt] = process.argv.slice(2);
const store = new FilesystemSnapshotStore(dir ?? '');
// Every worker fires at the same instant, so that the puts overlap instead of following process start-up.
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
try {
  await store.put(AWS_SCOPE, 'baseline', sampleSnapshot(AWS_SCOPE, capturedAt), { ifMatch: etag ?? '' });
  process.stdout.write('won\n');
} catch (error) {
  process.stdout.write(error instanceof ConflictError ? 'conflict\n' : `error ${String(error)}\n`);
}
