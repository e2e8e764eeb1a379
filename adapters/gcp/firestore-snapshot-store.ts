import { randomUUID } from 'node:crypto';
import type { Firestore } from '@google-cloud/firestore';
import { ConflictError, ParseError } from '../../core/errors.js';
import type { HistoryEntry, SnapshotSlot, SnapshotStore } from '../../core/ports.js';
import { CLOUDS, type Scope } from '../../core/resource.js';
import { storageId } from '../../core/state-commit.js';
import type { Snapshot } from '../../core/snapshot.js';
import { canonicalJson, compareText } from '../../snapshots/canonical.js';
import { parseStoredSnapshot } from '../../snapshots/parse.js';
import { bytesIdentity, type ReadStoredSnapshot } from '../../snapshots/approval.js';
import { firestoreError } from './firestore-errors.js';

/** The same account names as the filesystem and S3 stores. */
const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
/** A document holds at most 1 MiB (https://cloud.google.com/firestore/quotas#collections_documents_and_fields): text is split below it. */
const PART_CHARS = 700_000;
/** Parts written per batch: well under the 10 MiB of one request. */
const PARTS_PER_BATCH = 8;
const READ_ATTEMPTS = 3;

export interface FirestoreSnapshotStoreOptions {
  firestore: Firestore;
  /** Collection names start with it, as the state store's do. */
  prefix?: string;
}

interface Manifest {
  cloud: string;
  account: string;
  /** `baseline`, `candidate`, or `history`. */
  slot: string;
  /** The etag: every write makes a new generation. */
  generation: string;
  parts: number;
  bytes: number;
  updatedAt: string;
  sha256?: string;
  approvedAt?: string;
  approvedBy?: string;
  reason?: string;
}

function checkScope(scope: Scope): void {
  if (!(CLOUDS as readonly string[]).includes(scope.cloud) || !ACCOUNT_NAME.test(scope.account) || scope.account.length > 128) {
    throw new ParseError(`snapshot store: not an account name: ${JSON.stringify(scope.account.slice(0, 60))}`);
  }
}

/**
 * Snapshots in Firestore, the GCP deployment's one store. Why not Cloud Storage: no GCS emulator is
 * available to test against here (none on the npm registry speaks the JSON API with
 * `ifGenerationMatch`), and the functions already hold Firestore for their state, so one service
 * less to deploy and grant. A snapshot is its canonical JSON, split into parts below Firestore's
 * 1 MiB document limit:
 *
 * - `<prefix>-snapshots/<id>`: the manifest of a slot (`generation`, `parts`); its generation is the etag;
 * - `<prefix>-snapshot-parts/<generation>-<n>`: the text, in order;
 * - `<prefix>-snapshot-history/<id>`: approved baselines (manifest with sha256, approver), parts beside.
 *
 * A write stores the new parts under a fresh generation first, then swaps the manifest in a
 * transaction that checks `ifMatch` (a lost race → `ConflictError`, its parts deleted), then
 * deletes the old parts. A reader that finds a generation's parts gone re-reads the manifest.
 */
export class FirestoreSnapshotStore implements SnapshotStore {
  private readonly db: Firestore;
  private readonly prefix: string;

  constructor(options: FirestoreSnapshotStoreOptions) {
    this.db = options.firestore;
    this.prefix = options.prefix ?? 'netdrift';
  }

  private collection(name: 'snapshots' | 'snapshot-parts' | 'snapshot-history') {
    return this.db.collection(`${this.prefix}-${name}`);
  }

  private where(scope: Scope, slot: string): string {
    return `firestore://${this.db.databaseId}/${this.prefix}-snapshots/${scope.cloud}/${scope.account}${slot === 'baseline' ? '' : `.${slot}`}.json`;
  }

  private async run<T>(action: string, where: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      if (error instanceof ConflictError) throw error;
      throw firestoreError(`snapshot store ${action}`, where, error);
    }
  }

  private manifestRef(scope: Scope, slot: string) {
    return this.collection('snapshots').doc(storageId(`${scope.cloud}/${scope.account}/${slot}`));
  }

  async get(scope: Scope, slot: SnapshotSlot): Promise<ReadStoredSnapshot | undefined> {
    checkScope(scope);
    const where = this.where(scope, slot);
    return this.run('get', where, async () => {
      for (let attempt = 0; attempt < READ_ATTEMPTS; attempt += 1) {
        const manifest = (await this.manifestRef(scope, slot).get()).data() as Manifest | undefined;
        if (!manifest) return undefined;
        const text = await this.readParts(manifest);
        // The digest of the bytes as read lets the approval check skip re-canonicalising (snapshots/approval.ts).
        const bytesSha256 = text === undefined ? undefined : bytesIdentity(Buffer.from(text, 'utf8'));
        if (text !== undefined) return { snapshot: parseStoredSnapshot(text, where, scope), etag: manifest.generation, location: where, ...(bytesSha256 ? { bytesSha256 } : {}) };
      }
      throw new ConflictError(`snapshot store get ${where}: rewritten ${READ_ATTEMPTS} times while it was read`);
    });
  }

  /**
   * The slot's generation, read from its manifest alone (one document, one field: not its parts), or
   * undefined when it is absent: what the baseline cache revalidates by (core/baseline-cache.ts).
   * Every write puts its parts under a fresh generation, so a change to any part changes it.
   */
  async etag(scope: Scope, slot: SnapshotSlot): Promise<string | undefined> {
    checkScope(scope);
    return this.run('etag', this.where(scope, slot), async () => {
      const [manifest] = await this.db.getAll(this.manifestRef(scope, slot), { fieldMask: ['generation'] });
      return (manifest?.data() as Pick<Manifest, 'generation'> | undefined)?.generation;
    });
  }

  async put(scope: Scope, slot: SnapshotSlot, snapshot: Snapshot, options: { ifMatch?: string | null } = {}): Promise<string> {
    checkScope(scope);
    const where = this.where(scope, slot);
    const text = `${canonicalJson(snapshot)}\n`;
    return this.run('put', where, async () => {
      const generation = randomUUID();
      const parts = await this.writeParts(generation, text);
      const manifest: Manifest = {
        cloud: scope.cloud, account: scope.account, slot, generation, parts, bytes: Buffer.byteLength(text), updatedAt: new Date().toISOString(),
      };
      let previous: Manifest | undefined;
      try {
        await this.db.runTransaction(async (tx) => {
          const ref = this.manifestRef(scope, slot);
          previous = (await tx.get(ref)).data() as Manifest | undefined;
          this.checkMatch(where, previous, options.ifMatch);
          tx.set(ref, manifest);
        });
      } catch (error) {
        await this.deleteParts(generation, parts);
        throw error;
      }
      if (previous) await this.deleteParts(previous.generation, previous.parts);
      return generation;
    });
  }

  async remove(scope: Scope, slot: SnapshotSlot, options: { ifMatch?: string } = {}): Promise<void> {
    checkScope(scope);
    const where = this.where(scope, slot);
    await this.run('remove', where, async () => {
      let previous: Manifest | undefined;
      await this.db.runTransaction(async (tx) => {
        const ref = this.manifestRef(scope, slot);
        previous = (await tx.get(ref)).data() as Manifest | undefined;
        if (options.ifMatch !== undefined) this.checkMatch(where, previous, options.ifMatch);
        if (previous) tx.delete(ref);
      });
      if (previous) await this.deleteParts(previous.generation, previous.parts);
    });
  }

  async archive(scope: Scope, snapshot: Snapshot, entry: Omit<HistoryEntry, 'location'>): Promise<HistoryEntry> {
    checkScope(scope);
    const approvedAt = new Date(entry.approvedAt);
    if (Number.isNaN(approvedAt.getTime())) throw new ParseError(`history entry: approvedAt ${JSON.stringify(entry.approvedAt)} is not a date`);
    const name = `${approvedAt.toISOString().replace(/[-:.]/g, '')}-${entry.sha256.slice(0, 12)}`;
    const location = `firestore://${this.db.databaseId}/${this.prefix}-snapshot-history/${scope.cloud}/${scope.account}/${name}.json`;
    const approval = snapshot.approval ?? { sha256: entry.sha256, approvedAt: entry.approvedAt, approvedBy: entry.approvedBy, reason: entry.reason };
    const text = `${canonicalJson({ ...snapshot, approval })}\n`;
    return this.run('archive', location, async () => {
      const generation = randomUUID();
      const parts = await this.writeParts(generation, text);
      const manifest: Manifest = {
        cloud: scope.cloud, account: scope.account, slot: 'history', generation, parts, bytes: Buffer.byteLength(text),
        updatedAt: new Date().toISOString(), sha256: entry.sha256, approvedAt: entry.approvedAt,
        ...(entry.approvedBy === undefined ? {} : { approvedBy: entry.approvedBy }),
        ...(entry.reason === undefined ? {} : { reason: entry.reason }),
      };
      await this.collection('snapshot-history').doc(storageId(`${scope.cloud}/${scope.account}/${name}`)).set(manifest);
      return { ...entry, location };
    });
  }

  async history(scope: Scope): Promise<HistoryEntry[]> {
    checkScope(scope);
    return this.run('history', this.where(scope, 'history'), async () => {
      const found = await this.collection('snapshot-history').where('cloud', '==', scope.cloud).where('account', '==', scope.account).get();
      const entries = found.docs.map((doc) => {
        const m = doc.data() as Manifest;
        const name = `${new Date(m.approvedAt ?? '').toISOString().replace(/[-:.]/g, '')}-${(m.sha256 ?? '').slice(0, 12)}`;
        return {
          sha256: m.sha256 ?? '', approvedAt: m.approvedAt ?? '', ...(m.approvedBy === undefined ? {} : { approvedBy: m.approvedBy }),
          ...(m.reason === undefined ? {} : { reason: m.reason }),
          location: `firestore://${this.db.databaseId}/${this.prefix}-snapshot-history/${scope.cloud}/${scope.account}/${name}.json`,
        };
      });
      return entries.sort((a, b) => compareText(a.approvedAt, b.approvedAt) || compareText(a.location, b.location));
    });
  }

  async list(): Promise<Scope[]> {
    return this.run('list', `database ${this.db.databaseId}`, async () => {
      const scopes = new Map<string, Scope>();
      for (const doc of (await this.collection('snapshots').get()).docs) {
        const m = doc.data() as Manifest;
        const cloud = CLOUDS.find((c) => c === m.cloud);
        if (cloud && ACCOUNT_NAME.test(m.account)) scopes.set(`${cloud}/${m.account}`, { cloud, account: m.account });
      }
      return [...scopes.values()].sort((a, b) => compareText(a.cloud, b.cloud) || compareText(a.account, b.account));
    });
  }

  private checkMatch(where: string, current: Manifest | undefined, ifMatch: string | null | undefined): void {
    if (ifMatch === undefined) return;
    if (ifMatch === null ? current !== undefined : current?.generation !== ifMatch) {
      throw new ConflictError(`snapshot store ${where}: ${ifMatch === null ? 'exists already' : 'changed since it was read'} (etag ${current?.generation ?? 'none'})`);
    }
  }

  private async writeParts(generation: string, text: string): Promise<number> {
    const parts: string[] = [];
    for (let start = 0; start < text.length || parts.length === 0; start += PART_CHARS) parts.push(text.slice(start, start + PART_CHARS));
    for (let first = 0; first < parts.length; first += PARTS_PER_BATCH) {
      const batch = this.db.batch();
      parts.slice(first, first + PARTS_PER_BATCH).forEach((part, i) => {
        batch.set(this.collection('snapshot-parts').doc(`${generation}-${first + i}`), { generation, index: first + i, text: part });
      });
      await batch.commit();
    }
    return parts.length;
  }

  /** The text of a generation, or undefined when a part is gone (the slot was rewritten meanwhile). */
  private async readParts(manifest: Manifest): Promise<string | undefined> {
    const refs = Array.from({ length: manifest.parts }, (_, i) => this.collection('snapshot-parts').doc(`${manifest.generation}-${i}`));
    const docs = refs.length > 0 ? await this.db.getAll(...refs) : [];
    if (docs.some((doc) => !doc.exists)) return undefined;
    return docs.map((doc) => String(doc.get('text'))).join('');
  }

  private async deleteParts(generation: string, count: number): Promise<void> {
    for (let first = 0; first < count; first += 400) {
      const batch = this.db.batch();
      for (let i = first; i < Math.min(count, first + 400); i += 1) batch.delete(this.collection('snapshot-parts').doc(`${generation}-${i}`));
      await batch.commit();
    }
  }
}
