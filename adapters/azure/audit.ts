import type { Actor, ChangeEvent, ParsedRecord } from '../../core/change.js';
import type { CatalogRow } from '../../core/catalog.js';
import { parseArmId, type ArmId } from './arm-id.js';
import { SUBNET_HOLDER_KINDS, watchedTypeOfRow, type ReportedOn } from './catalog.js';
import { clip, isObject, quote, rejected } from '../../core/reasons.js';
import { safeChanges } from '../../core/safe-text.js';

/** How an ARM operation ended, as far as its record tells. */
export type Outcome = 'succeeded' | 'failed' | 'in-progress';

/**
 * What a successful record of a watched operation is not yet: ignored when it failed, or when it only
 * opened the operation (Activity Log `Start`/`Accepted`: the change is the record that closes it).
 */
export function notAChange(row: CatalogRow, outcome: Outcome, status: string, eventId?: string): ParsedRecord | undefined {
  const known = eventId ? { eventId } : {};
  if (outcome === 'failed') {
    return { status: 'ignored', ...known, reason: 'failed-call', detail: clip(`${row.operation} failed: ${status}`, 160) };
  }
  if (outcome === 'in-progress') {
    return { status: 'ignored', ...known, reason: 'unwatched', detail: clip(`${row.operation} ${status}: the change is the record that ends the operation`, 160) };
  }
  return undefined;
}

const UPN = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn';
const NAME = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name';

/** Who an ARM record names, in the places the Event Grid and Activity Log schemas put it. */
export interface ActorSources {
  claims?: Record<string, unknown> | undefined;
  evidence?: unknown;
  caller?: string | undefined;
  clientIp?: string | undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * The actor of an ARM record: the user's UPN, else the name claims, else the application id, else the
 * authorization's principal id or the record's caller; the request's client IP, else the token's `ipaddr`.
 */
export function armActor(sources: ActorSources): Actor {
  const claims = sources.claims ?? {};
  const evidence = isObject(sources.evidence) ? sources.evidence : {};
  const principal = [claims.upn, claims[UPN], claims[NAME], claims.name, claims.appid, evidence.principalId, sources.caller]
    .map(text).find((value) => value !== undefined);
  const sourceIp = text(sources.clientIp) ?? text(claims.ipaddr);
  return { ...(principal ? { principal } : {}), ...(sourceIp ? { sourceIp } : {}) };
}

/** One successful record of a watched operation, normalised from Event Grid or the Activity Log. */
export interface ArmRecord {
  /** How reasons start, e.g. `Event Grid event`, `Activity Log export records[2]`. */
  where: string;
  eventId: string;
  row: CatalogRow;
  resourceId: string;
  /** Where `resourceId` was read, for reasons: `data.resourceUri`, `subject`, `resourceId`. */
  resourceField: string;
  time: string;
  actor: Actor;
  /** The resource's location when the record has one (Activity Log diagnostic records). */
  location?: string | undefined;
}

type Common = Omit<ChangeEvent, 'kind' | 'id'>;

/** The changes each way of reporting yields, from the record's id (DESIGN.md, "Resource ids"). */
const REPORTS: Record<ReportedOn, (common: Common, id: ArmId, row: CatalogRow) => ChangeEvent[]> = {
  itself: (common, id, row) => [{ ...common, kind: row.kind, id: id.id }],
  parent: (common, id, row) => [{ ...common, kind: row.kind, id: id.topLevelId }],
  'subnet-holders': (common, id) => SUBNET_HOLDER_KINDS.map((kind) =>
    ({ ...common, kind, id: '', select: { field: 'subnets', contains: id.id } })),
  'network-contents': (common, id, row) => [
    ...SUBNET_HOLDER_KINDS.map((kind): ChangeEvent =>
      ({ ...common, kind, id: '', select: { field: 'subnets', containsPrefix: `${id.id}/subnets/` } })),
    {
      ...common, kind: 'peering', id: '', select: { idPrefix: `${id.id}/virtualNetworkPeerings/` },
      action: row.operation.toLowerCase().endsWith('/delete') ? 'delete' : 'update',
    },
  ],
};

/**
 * The changes of one successful record of a watched operation; rejected when its resource id is not one
 * of the operation's type. The id keeps the record's spelling; the account is the id's subscription,
 * lower-cased as ARM spells subscription ids (Activity Log exports upper-case whole ids), so that it
 * names the same baseline however the record spells it.
 */
export function armChanges(record: ArmRecord): ParsedRecord {
  const { row, where } = record;
  const watched = watchedTypeOfRow(row);
  const id = parseArmId(record.resourceId);
  if (!id || id.type.toLowerCase() !== watched.type.toLowerCase()) {
    return rejected(`${where}: ${record.resourceField} ${quote(record.resourceId)} is not a ${watched.type} id (operation ${row.operation})`);
  }
  const region = watched.global ? 'global' : text(record.location) ?? 'unknown';
  const common: Common = {
    cloud: 'azure', account: id.subscription.toLowerCase(), region, eventId: record.eventId, operation: row.operation,
    time: record.time, actor: record.actor, action: row.action, payload: { kind: 'none' },
  };
  const changes = safeChanges(REPORTS[watched.on](common, id, row));
  if ('problem' in changes) return rejected(`${where}: ${changes.problem}`);
  return { status: 'changes', eventId: record.eventId, changes: changes.value };
}
