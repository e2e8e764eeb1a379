import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ParseError } from '../core/errors.js';
import { safeParseResource, type Resource, type Scope } from '../core/resource.js';
import { SNAPSHOT_SCHEMA } from '../core/snapshot.js';
import { canonicalResources, compareResources } from './canonical.js';
import type { FilesystemSnapshotStore } from './fs-store.js';
import { describeIssues } from './parse.js';

type Json = Parameters<typeof compareResources>[0];

/** What a capture saved as the account's candidate. */
export interface SavedCapture {
  sha256: string;
  resources: number;
  etag: string;
}

/** One run file read back line by line (compact JSON has no raw newline), in its sorted order. */
async function* runLines(path: string): AsyncGenerator<string> {
  let carry = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 })) {
    const text = carry + (chunk as string);
    let at = 0;
    for (let end = text.indexOf('\n', at); end >= 0; end = text.indexOf('\n', at)) {
      yield text.slice(at, end);
      at = end + 1;
    }
    carry = text.slice(at);
  }
  if (carry !== '') yield carry;
}

/**
 * Where a capture writes what the readers find as they find it (issue 12: memory that does not
 * grow with the account): each `add` (a region's or a kind's resources) is validated, put in
 * canonical form and order and written to a run file beside the store's folder; `finish` merges
 * the runs into the candidate through the store's streaming writer. Memory holds one `add` and
 * one line per run. A resource found twice (the same kind and id in two adds) is kept as first added.
 */
export class CaptureSink {
  private readonly runs: string[] = [];
  private readonly folder: string;
  private count = 0;

  constructor(private readonly store: FilesystemSnapshotStore, private readonly scope: Scope, private readonly capturedAt: string) {
    this.folder = join(dirname(store.pathOf(scope, 'candidate')), `.${scope.account}.capture-${randomBytes(6).toString('hex')}`);
  }

  /** How many resources were added (duplicates included). */
  get added(): number {
    return this.count;
  }

  async add(resources: readonly Resource[]): Promise<void> {
    if (resources.length === 0) return;
    const items = canonicalResources(resources);
    items.forEach((item, index) => {
      const check = safeParseResource(item.resource);
      if (!check.success) throw new ParseError(`capture of ${this.scope.cloud}/${this.scope.account}: ${describeIssues(check.error.issues, item.resource, ['resources', index])}`);
    });
    await mkdir(this.folder, { recursive: true });
    const path = join(this.folder, `run-${String(this.runs.length).padStart(5, '0')}.jsonl`);
    const handle = await open(path, 'wx');
    try {
      for (let at = 0; at < items.length; at += 1000) {
        await handle.write(items.slice(at, at + 1000).map((item) => `${item.compact}\n`).join(''));
      }
    } finally {
      await handle.close();
    }
    this.runs.push(path);
    this.count += resources.length;
  }

  /** Merges the runs into the account's candidate (replacing any earlier one) and removes them. */
  async finish(): Promise<SavedCapture> {
    try {
      const writer = this.store.writer(this.scope, 'candidate', { schema: SNAPSHOT_SCHEMA, scope: { ...this.scope }, capturedAt: this.capturedAt });
      const cursors = this.runs.map((path, index) => ({ index, lines: runLines(path), head: undefined as { resource: Json; compact: string } | undefined }));
      const advance = async (cursor: (typeof cursors)[number]) => {
        const next = await cursor.lines.next();
        cursor.head = next.done ? undefined : { resource: JSON.parse(next.value) as Json, compact: next.value };
      };
      await Promise.all(cursors.map(advance));
      let previous: Json | undefined;
      for (;;) {
        let best: (typeof cursors)[number] | undefined;
        for (const cursor of cursors) {
          if (!cursor.head) continue;
          // Of one kind and id in two runs, the first added comes first (and alone is kept).
          const order = best?.head ? compareResources(cursor.head.resource, best.head.resource) || cursor.index - best.index : -1;
          if (order < 0) best = cursor;
        }
        if (!best?.head) break;
        const { resource, compact } = best.head;
        if (previous === undefined || compareResources(previous, resource) !== 0) await writer.add(resource, compact);
        previous = resource;
        await advance(best);
      }
      const staged = await writer.finish();
      const etag = await this.store.commit(this.scope, 'candidate', staged);
      return { sha256: staged.sha256, resources: staged.resources, etag };
    } finally {
      await this.discard();
    }
  }

  /** Drops what was written (a capture that failed saves no candidate). */
  async discard(): Promise<void> {
    await rm(this.folder, { recursive: true, force: true });
  }
}
