import { ConflictError, NetdriftError } from '../core/errors.js';
import type { HistoryEntry, SnapshotStore } from '../core/ports.js';
import type { Scope } from '../core/resource.js';
import type { Snapshot } from '../core/snapshot.js';
import { approvalHmac, readApproval, type Approval, type HmacKey } from './approval.js';
import { canonicalSnapshot, snapshotSha256, withoutApproval } from './canonical.js';

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
    ...(options.hmacKey === undefined ? {} : { hmac: approvalHmac(sha256, options.hmacKey) }),
  };
  const approved = canonicalSnapshot({ ...content, approval });
  const etag = await store.put(scope, 'baseline', approved, { ifMatch: baseline?.etag ?? null });

  const history = await store.archive(scope, approved, {
    sha256,
    approvedAt: approval.approvedAt,
    ...(approval.approvedBy === undefined ? {} : { approvedBy: approval.approvedBy }),
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
