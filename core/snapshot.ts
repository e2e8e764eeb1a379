import { z } from 'zod';
import { CloudSchema, ResourceSchema, type Resource, type Scope } from './resource.js';
import { asIsCheck } from './schema-check.js';

export const SNAPSHOT_SCHEMA = 'netdrift/snapshot@1';

/** The `netdrift/snapshot@1` document: one account's reviewed known-good network state. */
export const SnapshotSchema = z.looseObject({
  schema: z.literal(SNAPSHOT_SCHEMA),
  scope: z.looseObject({ cloud: CloudSchema, account: z.string().min(1) }),
  capturedAt: z.string().min(1),
  resources: z.array(ResourceSchema),
});
export type Snapshot = z.infer<typeof SnapshotSchema>;

const snapshotAsIs = asIsCheck(SnapshotSchema);

/** `SnapshotSchema.safeParse`, returning a document already in the schema's form as it is (see `safeParseResource`). */
export function safeParseSnapshot(value: unknown): z.ZodSafeParseResult<Snapshot> {
  return snapshotAsIs(value) ? { success: true, data: value as Snapshot } : SnapshotSchema.safeParse(value);
}

/** An empty snapshot of an account (what a capture of nothing yields). */
export function emptySnapshot(scope: Scope, capturedAt: string): Snapshot {
  return { schema: SNAPSHOT_SCHEMA, scope: { ...scope }, capturedAt, resources: [] };
}

export type { Resource };
