import { createHash } from 'node:crypto';
import { z } from 'zod';
import { SNAPSHOT_SCHEMA } from '../core/snapshot.js';
import { CloudSchema } from '../core/resource.js';

/**
 * A snapshot too big to review as one file is kept as a folder (README, "Snapshot format"):
 * `manifest.json` (every top-level field but `resources`, plus `sha256` and `parts`) and one
 * part per region, `<region>.json`: a JSON array of that region's resources in canonical form
 * and order. The same layout serves as object keys (`<account>/manifest.json`, `<account>/<region>.json`).
 */

export const MANIFEST_FILE = 'manifest.json';

/** Top-level fields a folder manifest adds; a snapshot that has them itself can only be one file. */
export const MANIFEST_FIELDS = ['parts', 'sha256'] as const;

/** One part as the manifest lists it: `sha256` is of the part file's bytes, as written. */
export const PartSchema = z.object({
  file: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,80}\.json$/).refine((file) => file !== MANIFEST_FILE, 'is the manifest'),
  region: z.string(),
  count: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type Part = z.infer<typeof PartSchema>;

/** `manifest.json`: the snapshot's header, its identity (`sha256`, recorded as it was written) and its parts. */
export const ManifestSchema = z.looseObject({
  schema: z.literal(SNAPSHOT_SCHEMA),
  scope: z.looseObject({ cloud: CloudSchema, account: z.string().min(1) }),
  capturedAt: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  parts: z.array(PartSchema),
});
export type Manifest = z.infer<typeof ManifestSchema>;

const SAFE_REGION = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * The part file of a region: `<region>.json` for every region name clouds use (`eu-west-1`,
 * `westeurope`, `europe-west1`, `global`); anything else by a digest of its name.
 */
export function partFile(region: string): string {
  if (SAFE_REGION.test(region) && region !== 'manifest') return `${region}.json`;
  return `region-${createHash('sha256').update(region, 'utf8').digest('hex').slice(0, 16)}.json`;
}

/** The manifest's own fields removed: the snapshot header it describes. */
export function headerOfManifest(manifest: Record<string, unknown>): Record<string, unknown> {
  const { parts: _parts, sha256: _sha256, ...header } = manifest;
  return header;
}
