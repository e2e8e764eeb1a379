import { ConflictError, NetdriftError } from '../core/errors.js';
import { OutOfOrderError } from './snapshot-writer.js';
import type { HistoryEntry, SnapshotStore } from '../core/ports.js';
import type { Scope } from '../core/resource.js';
import type { Snapshot } from '../core/snapshot.js';
import { approvalHmac, readApproval, type Approval, type HmacKey } from './approval.js';
import { canonicalResource, canonicalSnapshot, compactJson, snapshotSha256, withoutApproval } from './canonical.js';
import type { FilesystemSnapshotStore } from './fs-store.js';
import type { SnapshotStream } from './snapshot-reader.js';

export { verifyApproval, type ApprovalCheck } from './approval.js';

/** What `saveCandidate` wrote. */
export interface SavedCandidate {
  etag: string;
  sha256: string;
}

/**
 * Stores a capture as its account's candidate, replacing any earlier candidate. A candidate is
 * never approved, so an `approval` field it carries is dropped.
 */
export async function saveCandidate(store: SnapshotStore, snapshot: Snapshot): Promise<SavedCandidate> {
  const candidate = canonicalSnapshot(withoutApproval(snapshot));
  const scope: Scope = { cloud: candidate.scope.cloud, account: candidate.scope.account };
  const etag = await store.put(scope, 'candidate', candidate);
  return { etag, sha256: snapshotSha256(candidate) };
}

/** Who approves, when, and the key of the approval HMAC. */
export interface ApproveOptions {
  approvedBy?: string;
  reason?: string;
  hmacKey?: HmacKey;
  now?: Date;
}

/** What `approveCandidate` did. */
export interface ApprovalResult {
  /** The new baseline, with its `approval` field. */
  snapshot: Snapshot;
  approval: Approval;
  /** The baseline's new etag. */
  etag: string;
  history: HistoryEntry;
  /** False when the candidate changed or went away during the approval: a newer capture is kept for its own review. */
  candidateRemoved: boolean;
}

/**
 * Makes the account's candidate its baseline (DESIGN.md: baselines change only by approval):
 * writes it with an `approval` field, only if the baseline is still the one read just before,
 * keeps it in history, and removes the candidate only if it is still the one approved.
 * Two people approving at once: one wins, the other gets `ConflictError` and changes nothing.
 */
export async function approveCandidate(store: SnapshotStore, scope: Scope, options: ApproveOptions = {}): Promise<ApprovalResult> {
  const candidate = await store.get(scope, 'candidate');
  if (!candidate) throw new NetdriftError(`${scope.cloud}/${scope.account}: no candidate snapshot to approve`);
  const baseline = await store.get(scope, 'baseline');

  const content = withoutApproval(candidate.snapshot);
  const sha256 = snapshotSha256(content);
  // Only a concurrent approval of this very candidate can have made it the baseline already
  // (`capturedAt` is part of the content): approving it again would overwrite that approval.
  if (baseline && readApproval(baseline.snapshot)?.sha256 === sha256) {
    throw new ConflictError(`${scope.cloud}/${scope.account}: candidate ${sha256.slice(0, 12)}… is already the approved baseline`);
  }

  const approval: Approval = {
    sha256,
    approvedAt: (options.now ?? new Date()).toISOString(),
    ...(options.approvedBy === undefined ? {} : { approvedBy: options.approvedBy }),
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.hmacKey === undefined ? {} : { hmac: approvalHmac(sha256, options.hmacKey) }),
  };
  const approved = canonicalSnapshot({ ...content, approval });
  const etag = await store.put(scope, 'baseline', approved, { ifMatch: baseline?.etag ?? null });

  const history = await store.archive(scope, approved, {
    sha256,
    approvedAt: approval.approvedAt,
    ...(approval.approvedBy === undefined ? {} : { approvedBy: approval.approvedBy }),
    ...(approval.reason === undefined ? {} : { reason: approval.reason }),
  });

  let candidateRemoved = true;
  try {
    await store.remove(scope, 'candidate', { ifMatch: candidate.etag });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    candidateRemoved = false;
  }
  return { snapshot: approved, approval, etag, history, candidateRemoved };
}

/** What `approveCandidateStream` did (the approved snapshot itself is not held in memory). */
export type StreamedApproval = Omit<ApprovalResult, 'snapshot'> & { resources: number };

/** The sha256 the slot's snapshot was approved with, read from its header alone. */
async function approvedSha256(stream: SnapshotStream | undefined): Promise<string | undefined> {
  if (!stream) return undefined;
  return readApproval({ ...(await stream.readHeader()), resources: [] })?.sha256;
}

/**
 * `approveCandidate` for the filesystem store, at any size: the candidate is read as a stream and
 * each resource written, in canonical form, straight into the new baseline, whose identity is
 * hashed on the way (never recomputed); the approval is recorded in its header. History is a copy
 * of the files. Returns undefined, having changed nothing, when the candidate's resources are not
 * in canonical order (edited by hand): `approveCandidate` then reads it whole and sorts it.
 */
export async function approveCandidateStream(store: FilesystemSnapshotStore, scope: Scope, options: ApproveOptions = {}): Promise<StreamedApproval | undefined> {
  const candidateEtag = await store.etag(scope, 'candidate');
  const candidate = await store.openStream(scope, 'candidate');
  if (!candidate || candidateEtag === undefined) throw new NetdriftError(`${scope.cloud}/${scope.account}: no candidate snapshot to approve`);
  const baselineEtag = await store.etag(scope, 'baseline');
  const already = await approvedSha256(await store.openStream(scope, 'baseline'));

  const writer = store.writer(scope, 'baseline', withoutApproval({ ...(await candidate.readHeader()), resources: [] }));
  let approval: Approval | undefined;
  try {
    for await (const batch of candidate.items()) {
      for (const item of batch) {
        const resource = canonicalResource(item.resource, { plain: true });
        await writer.add(resource, compactJson(resource));
      }
    }
  } catch (error) {
    await writer.abandon();
    if (error instanceof OutOfOrderError) return undefined;
    throw error;
  }
  const staged = await writer.finish((sha256) => {
    approval = {
      sha256,
      approvedAt: (options.now ?? new Date()).toISOString(),
      ...(options.approvedBy === undefined ? {} : { approvedBy: options.approvedBy }),
      ...(options.reason === undefined ? {} : { reason: options.reason }),
      ...(options.hmacKey === undefined ? {} : { hmac: approvalHmac(sha256, options.hmacKey) }),
    };
    return approval as Parameters<typeof compactJson>[0];
  });
  if (!approval) throw new Error('approveCandidateStream: no approval recorded');
  const recorded: Approval = approval;
  if (already === staged.sha256) {
    await staged.discard();
    throw new ConflictError(`${scope.cloud}/${scope.account}: candidate ${staged.sha256.slice(0, 12)}… is already the approved baseline`);
  }
  const entry = {
    sha256: recorded.sha256, approvedAt: recorded.approvedAt,
    ...(recorded.approvedBy === undefined ? {} : { approvedBy: recorded.approvedBy }),
    ...(recorded.reason === undefined ? {} : { reason: recorded.reason }),
  };
  let history: HistoryEntry | undefined;
  const etag = await store.commit(scope, 'baseline', staged, { ifMatch: baselineEtag ?? null }, async () => {
    history = await store.archiveCopy(scope, 'baseline', entry);
  });
  let candidateRemoved = true;
  try {
    await store.remove(scope, 'candidate', { ifMatch: candidateEtag });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    candidateRemoved = false;
  }
  if (!history) throw new Error('approveCandidateStream: history not kept');
  return { approval: recorded, etag, history, candidateRemoved, resources: staged.resources };
}
