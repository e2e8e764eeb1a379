import type { Cloud, Resource, ResourceKind } from './resource.js';

/** Who made a change. Any field may be missing from a provider's record. */
export interface Actor {
  principal?: string;
  sourceIp?: string;
  userAgent?: string;
}

/**
 * One change to an item list of a resource, in the cloud-neutral form adapters emit for
 * payloads that describe one change (`delta`): a route added, a record upserted, a network unlinked.
 * `field` names a property of the resource as in the snapshot format.
 */
export type Delta =
  /** Insert or replace the item of `field` whose `key` properties equal those of `item`. */
  | { op: 'put-item'; field: string; key: readonly string[]; item: Record<string, unknown> }
  /**
   * Remove the items of `field` matching every property of `match`; with `cascade`, also remove
   * their `cascade.property` values from the set field `cascade.field` (an association's subnet).
   */
  | { op: 'remove-item'; field: string; match: Record<string, unknown>; cascade?: Cascade }
  /**
   * Move the item matching `match` from the resource of the same kind that holds it into this
   * one, overriding `set` (AWS ReplaceRouteTableAssociation), with `cascade` as above.
   */
  | { op: 'move-item'; field: string; match: Record<string, unknown>; set: Record<string, unknown>; cascade?: Cascade }
  /** Add values to a set field. */
  | { op: 'add'; field: string; values: readonly string[] }
  /** Remove values from a set field. */
  | { op: 'remove'; field: string; values: readonly string[] }
  /** Set (or, with `value` undefined, clear) a scalar field. */
  | { op: 'set'; field: string; value: unknown };

/** A set field that follows an item field: removing an association removes its subnet. */
export interface Cascade {
  field: string;
  property: string;
}

/** What an audit record tells about the new state of the resource it changed. */
export type Payload =
  /** The whole resource as it is now. */
  | { kind: 'full'; state: Resource }
  /** Changes to apply to the last observed state. */
  | { kind: 'delta'; deltas: readonly Delta[] }
  /** Only that it changed: the state must be read (every Azure write). */
  | { kind: 'none' };

/**
 * How to find the affected resource when the record does not name it
 * (AWS DisassociateRouteTable names only the association): the pipeline looks for the
 * resource of this kind whose `field` holds an item with `match`.
 */
export interface Locator {
  field: string;
  match: Record<string, unknown>;
}

/**
 * The resources a change is to when the record does not name them: every resource of the
 * change's kind, in the baseline, the observed state or the live state, whose id starts with
 * `idPrefix` (a GCP router's NATs) and/or whose set `field` contains `contains` (the route tables
 * and NAT gateways an Azure subnet write may have moved the subnet between) or an item starting
 * with `containsPrefix` (any subnet of a VNet whose inline subnets were rewritten), less `except`.
 */
export interface Selector {
  idPrefix?: string;
  field?: string;
  contains?: string;
  /** With `field`: the set holds an item starting with this (a subnet of an Azure VNet being rewritten). */
  containsPrefix?: string;
  except?: readonly string[];
}

/** A watched change to one resource, from one audit record. */
export interface ChangeEvent {
  cloud: Cloud;
  /** AWS account id, Azure subscription id, GCP project id. */
  account: string;
  region: string;
  /** The provider's id of the audit record (CloudTrail eventID, Event Grid id, GCP insertId). */
  eventId: string;
  /** The provider's operation, as the catalog names it (e.g. `ec2:CreateRoute`). */
  operation: string;
  /** When the change happened (ISO 8601), from the audit record. */
  time: string;
  actor: Actor;
  kind: ResourceKind;
  /** The resource's id as the provider spells it; empty when `locate` must find it. */
  id: string;
  locate?: Locator;
  /** With `id` empty: the change is to each selected resource (each read back, or unverified). */
  select?: Selector;
  /**
   * The operation that made an earlier change failed (a GCP long-running operation's last entry
   * with `status.code` ≠ 0): the resource is re-checked — read back, or else taken to be as the
   * baseline has it.
   */
  rollback?: boolean;
  /** `delete` of a top-level resource means it is gone; child deletes are `update`s of the parent. */
  action: 'create' | 'update' | 'delete';
  payload: Payload;
  /** The record claimed a time later than it arrived: `time` is when it was received (see `trustedTime`). */
  clockSkew?: ClockSkew;
}

/** An event time not trusted for ordering, and what was used instead. */
export interface ClockSkew {
  /** The time the record claimed. */
  claimed: string;
  /** The time it was received, used in its place. */
  receivedAt: string;
}

/** How far ahead of the receiver's clock an event time may be (clocks drift a little) before it is not trusted. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * A change whose time is later than `receivedAt` plus the allowed skew, clamped to `receivedAt`
 * and marked (DESIGN.md step 4): an event dated 2099 would otherwise make every genuine later change
 * to its resource look older, and so `stale`. Other changes are returned as they are.
 */
export function trustedTime(change: ChangeEvent, receivedAt: Date, skewMs = MAX_CLOCK_SKEW_MS): ChangeEvent {
  const claimed = Date.parse(change.time);
  if (!(claimed > receivedAt.getTime() + skewMs)) return change;
  const received = receivedAt.toISOString();
  return { ...change, time: received, clockSkew: { claimed: change.time, receivedAt: received } };
}

/** The phrase a finding's summary carries when its event time was not trusted. */
export function clockSkewNote(skew: ClockSkew): string {
  return `event dated ${skew.claimed}, later than it arrived: ordered by its receive time ${skew.receivedAt}`;
}

/** An audit record that is well formed but not drift. */
export type IgnoredReason =
  | 'unwatched'        // an operation nobody watches
  | 'failed-call'      // errorCode / status.code ≠ 0 / ResourceWriteFailure
  | 'duplicate'        // a later log entry of an operation already acted on
  | 'handshake';       // Event Grid SubscriptionValidationEvent

/**
 * A provider operation logged more than once (GCP long-running operations log a first and a
 * last entry under one `operation.id`, DESIGN.md): the pipeline acts on the first, treats a
 * successful last one as a duplicate, and a failed last one as a rollback of the first.
 */
export interface OperationPhase {
  /** The operation's id, unique within the cloud. */
  key: string;
  phase: 'first' | 'last';
  failed: boolean;
}

/** What one audit record in a delivery turned out to be. */
export type ParsedRecord =
  | { status: 'changes'; eventId: string; changes: ChangeEvent[]; operation?: OperationPhase; index?: number }
  | {
    status: 'ignored'; eventId?: string; reason: IgnoredReason; detail: string; validationCode?: string; index?: number;
    /** An operation's first entry ignored for its content still settles the operation: its last entry is a duplicate. */
    operation?: OperationPhase;
  }
  | { status: 'rejected'; index?: number; reason: string };

/** The result of parsing one delivery, in order. An envelope that cannot be read is one rejected record. */
export interface ParseResult {
  adapter: string;
  records: ParsedRecord[];
}
