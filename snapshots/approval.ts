import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { OperatorError } from '../core/errors.js';
import type { StoredSnapshot } from '../core/ports.js';
import type { Snapshot } from '../core/snapshot.js';
import { createHash } from 'node:crypto';
import { snapshotSha256 } from './canonical.js';
import { SnapshotScanner } from './json-scan.js';

/**
 * A stored snapshot as the stores read it: with `bytesSha256`, the sha256 of its bytes in compact
 * form without `approval` (json-scan.ts), computed as they were read. It equals the identity when
 * the stored form is canonical, which is what netdrift writes.
 */
export interface ReadStoredSnapshot extends StoredSnapshot {
  bytesSha256?: string;
}

/** `bytesSha256` of a whole document held in memory (a file or an object body), or undefined when it does not scan. */
export function bytesIdentity(bytes: Uint8Array): string | undefined {
  const hash = createHash('sha256');
  try {
    const scanner = new SnapshotScanner('document', () => undefined, 'snapshot', hash);
    for (let at = 0; at < bytes.length; at += 1 << 20) scanner.write(bytes.subarray(at, at + (1 << 20)));
    scanner.end();
  } catch {
    return undefined;
  }
  return hash.digest('hex');
}

/**
 * The top-level `approval` field of an approved baseline: who approved which content, when.
 * `sha256` is `snapshotSha256` of the document; `hmac` is HMAC-SHA256 (hex) of that sha256
 * with a key only the approvers hold, so an edit that also rewrites `sha256` is still caught.
 */
export const ApprovalSchema = z.looseObject({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  approvedAt: z.string().min(1),
  approvedBy: z.string().optional(),
  /** Why it was approved (`snapshot approve --reason`): for the people reading the history, outside the HMAC. */
  reason: z.string().optional(),
  hmac: z.string().optional(),
});
export type Approval = z.infer<typeof ApprovalSchema>;

/** A key for approval HMACs: the bytes of a string, or raw bytes. */
export type HmacKey = string | Uint8Array;

/** The snapshot's approval, or undefined when it has none or it is malformed. */
export function readApproval(snapshot: Snapshot): Approval | undefined {
  const result = ApprovalSchema.safeParse(snapshot.approval);
  return result.success ? result.data : undefined;
}

/** HMAC-SHA256 (hex) of a snapshot's sha256. */
export function approvalHmac(sha256: string, key: HmacKey): string {
  return createHmac('sha256', key).update(sha256, 'utf8').digest('hex');
}

/** What `verifyApproval` found. */
export type ApprovalCheck = { ok: true; approval: Approval } | { ok: false; reason: string };

function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Whether the recorded approval matches the content: the sha256, and with `hmacKey` the HMAC
 * (which must then be present). Without a key a recorded HMAC is not checked.
 *
 * `bytesSha256` (the digest of the stored bytes, taken as they were read) settles the sha256 for
 * free when it equals the approved one: compact bytes that hash to the identity of the approved
 * content are that content. Any other value proves nothing (the file may be canonical but not in
 * the form netdrift writes it), so the content is then canonicalised and hashed as before: a hand
 * edit is caught either way.
 */
export function verifyApproval(snapshot: Snapshot, hmacKey?: HmacKey, bytesSha256?: string): ApprovalCheck {
  if (snapshot.approval === undefined) return { ok: false, reason: 'not approved: no approval field' };
  const approval = readApproval(snapshot);
  if (!approval) return { ok: false, reason: 'approval field is malformed' };
  const actual = bytesSha256 !== undefined && sameHex(bytesSha256, approval.sha256) ? bytesSha256 : snapshotSha256(snapshot);
  if (!sameHex(actual, approval.sha256)) {
    return { ok: false, reason: `content changed since approval: sha256 ${actual.slice(0, 12)}… ≠ approved ${approval.sha256.slice(0, 12)}…` };
  }
  if (hmacKey !== undefined) {
    if (approval.hmac === undefined) return { ok: false, reason: 'approval has no hmac' };
    if (!sameHex(approvalHmac(approval.sha256, hmacKey), approval.hmac)) {
      return { ok: false, reason: 'approval hmac does not match (wrong key, or the approval was rewritten)' };
    }
  }
  return { ok: true, approval };
}

/**
 * DESIGN.md, "Trust": a baseline is used only if its content matches its approval. With `hmacKey`
 * the approval must carry a matching HMAC (an edit that also rewrites `sha256` is caught); without
 * one, a recorded sha256 must still match (a baseline never approved through netdrift, such as one
 * written by hand, has none to check). Throws `OperatorError` (`baseline-signature`) naming the file.
 * The cost is nothing when the store read the baseline as netdrift wrote it (`bytesSha256`), else
 * one canonical hash per baseline version: callers check each etag once.
 */
export function checkBaselineApproval(stored: StoredSnapshot, hmacKey?: HmacKey): void {
  if (hmacKey === undefined && stored.snapshot.approval === undefined) return;
  const check = verifyApproval(stored.snapshot, hmacKey, (stored as ReadStoredSnapshot).bytesSha256);
  if (check.ok) return;
  const { cloud, account } = stored.snapshot.scope;
  const where = stored.location ?? `baseline ${cloud}/${account}`;
  throw new OperatorError(
    'baseline-signature',
    `${where}: refused: ${check.reason}`,
    `restore ${where} from its approved version (history), or capture and approve a new one (netdrift snapshot approve${hmacKey === undefined ? '' : ' with NETDRIFT_APPROVAL_HMAC_KEY set'})`,
    { location: where },
  );
}

/** The check `Pipeline` runs on each baseline version it loads (its `trustBaseline` option). */
export function baselineApprovalCheck(hmacKey?: HmacKey): (stored: StoredSnapshot) => void {
  return (stored) => checkBaselineApproval(stored, hmacKey);
}
