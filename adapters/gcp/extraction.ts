import { z } from 'zod';
import type { ChangeEvent, Locator, Payload, Selector } from '../../core/change.js';
import { ParseError } from '../../core/errors.js';
import { quote, issueText } from '../../core/reasons.js';

/** One audit-logged call, as an extractor sees it. */
export interface AuditCall {
  /** `protoPayload.request` without its `@type`; undefined when the entry carries none. */
  request: Record<string, unknown> | undefined;
  /** `protoPayload.resourceName` without API host (`projects/P/global/routes/R`; DNS logs `managedZones/Z`). */
  resourceName: string;
  /** The project the call was made in (the account). */
  project: string;
}

/** What an extractor yields per affected resource; the catalog row gives the kind and the default action. */
export interface ChangeDraft {
  id: string;
  region: string;
  payload: Payload;
  action?: ChangeEvent['action'];
  locate?: Locator;
  select?: Selector;
}

/** How one catalog method's audit entries become changes. */
export interface MethodExtractor {
  /** The changes an entry that carries the request made. */
  extract(call: AuditCall): ChangeDraft[];
  /**
   * The resources the call changed, named without the request (a long-running operation's last
   * entry usually carries none), each with payload `none`.
   */
  affected(call: AuditCall): ChangeDraft[];
  /**
   * What a successful last entry changed when its first entry never arrived, for a method whose
   * resource name says enough without the request (a route delete: the route is gone). Without it,
   * a last entry re-checks `affected`.
   */
  fromLast?(call: AuditCall): ChangeDraft[];
  /** Why a request touches nothing netdrift watches (a load-balancer forwarding rule); undefined if it does. */
  unwatched?(request: Record<string, unknown>): string | undefined;
}

export const NONE: Payload = { kind: 'none' };

/** Proto3 JSON renders integers as numbers or as strings (`"priority": "1000"`). */
export const Integer = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);
export const OptionalText = z.string().min(1).optional();

/** `[{ networkUrl }]`, as DNS zones and policies list the networks they apply to. */
export const NetworkUrls = z.array(z.looseObject({ networkUrl: z.string().min(1) }));

/** Reads the request with a schema; a request that does not fit throws `ParseError` naming the field. */
export function readRequest<S extends z.ZodType>(schema: S, call: AuditCall): z.output<S> {
  if (!call.request) throw new ParseError('protoPayload.request missing');
  const parsed = schema.safeParse(call.request, { reportInput: true });
  if (!parsed.success) throw new ParseError(issueText(parsed.error, ['protoPayload', 'request']), { cause: parsed.error });
  return parsed.data;
}

/**
 * The resource name, checked against the shape the method's resources have
 * (`projects/P/global/routes/NAME`): `shape` is a regular expression source for it and `example` says it to people.
 */
export function resourcePath(call: AuditCall, shape: RegExp, example: string): string {
  if (call.resourceName === '') throw new ParseError('protoPayload.resourceName missing');
  if (!shape.test(call.resourceName)) {
    throw new ParseError(`protoPayload.resourceName: expected ${example}, got ${quote(call.resourceName)}`);
  }
  return call.resourceName;
}

/**
 * A method whose changes are read from the request. An entry without one (compute logs only
 * `@type` for some calls) still says which resources changed: those, with payload `none`.
 */
export function fromRequest(
  extract: MethodExtractor['extract'], affected: MethodExtractor['affected'], unwatched?: MethodExtractor['unwatched'],
): MethodExtractor {
  return { extract: (call) => (call.request ? extract(call) : affected(call)), affected, ...(unwatched ? { unwatched } : {}) };
}

/** A draft that says only that a resource changed (or, for a delete, that it is gone). */
export function touched(id: string, region: string): ChangeDraft {
  return { id, region, payload: NONE };
}
