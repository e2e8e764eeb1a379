import type { Locator, Payload } from '../../core/change.js';
import type { PayloadNode } from './payload-reader.js';

/** One successful API call, as an extractor sees it: the request and response, unwrapped. */
export interface ApiCall {
  request: PayloadNode;
  response: PayloadNode;
  /** The region the resource lives in (`global` for Route 53). */
  region: string;
}

/** What an extractor yields per affected resource; the catalog row gives the kind and action. */
export interface ChangeDraft {
  id: string;
  payload: Payload;
  locate?: Locator;
}

/** Reads the affected resources of one catalog operation from its API call. */
export type Extractor = (call: ApiCall) => ChangeDraft[];

/** A DNS name as the snapshot format spells it: lower-case, with the trailing dot. */
export function dnsName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** A deletion: the pipeline treats a top-level delete as gone, so the payload says nothing more. */
export function deleted(id: string): ChangeDraft {
  return { id, payload: { kind: 'none' } };
}
