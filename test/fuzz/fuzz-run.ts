import fc from 'fast-check';
import { allAdapters } from '../../adapters/index.js';
import { consoleUrl } from '../../alerts/console-link.js';
import { MAX_CLOCK_SKEW_MS } from '../../core/change.js';
import type { Finding } from '../../core/finding.js';
import type { DeliveryOutcome } from '../../core/pipeline.js';
import type { Cloud } from '../../core/resource.js';
import { unsafeCharacter } from '../../core/safe-text.js';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../../core/snapshot.js';
import { pipelineWith } from '../support/pipeline-harness.js';
import { auditRecords, ENVELOPES, failedCall, FIXTURE_ACCOUNTS, goodRecord } from './fuzz-inputs.js';
import { applyMutation, mutationArbitrary, mutationNames, type Mutation } from './mutations.js';

/** Inputs per cloud: 10,000 in `npm test`, `FUZZ_RUNS=N` for a longer run. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
/** A reason is one line of at most this many characters (`clip`'s 300 and its `…`). */
export const MAX_REASON = 301;
/** The sinks every finding of the fuzz pipeline is routed to. */
export const FUZZ_SINKS = ['slack', 'pagerduty', 'webhook'];

/** One fuzz case: a fixture record, what is done to it, and how it is delivered. */
export interface FuzzCase {
  record: number;
  mutations: Mutation[];
  envelope: number;
  /** A good record rides in the same batch (when the envelope holds several). */
  mate: boolean;
  /** The record is a failed call: nothing may open from it. */
  failed: boolean;
  /** Cut the record's JSON text here, where it travels as text (SQS body, Pub/Sub data). */
  truncate: number | undefined;
  /** Mutations of the whole delivery, envelope included (only without a batch-mate). */
  outer: Mutation[];
}

export const caseArbitrary: fc.Arbitrary<FuzzCase> = fc.record({
  record: fc.nat(),
  mutations: fc.array(mutationArbitrary, { minLength: 0, maxLength: 3 }),
  envelope: fc.nat(),
  mate: fc.nat({ max: 3 }).map((n) => n === 0),
  failed: fc.nat({ max: 9 }).map((n) => n === 0),
  truncate: fc.option(fc.nat(), { freq: 12, nil: undefined }),
  outer: fc.array(mutationArbitrary, { maxLength: 1 }),
});

/** Baselines for the fixtures' accounts, empty: every watched change to them is drift. */
export function fuzzBaselines(): Snapshot[] {
  return (Object.entries(FIXTURE_ACCOUNTS) as [Cloud, string][]).map(([cloud, account]) => ({
    schema: SNAPSHOT_SCHEMA, scope: { cloud, account }, capturedAt: '2026-11-25T00:00:00Z', resources: [],
  }));
}

/** A delivery built from a case, with what the checks need to know about it. */
export interface FuzzInput {
  raw: unknown;
  mate?: { eventId: string; resource: string };
  failed: boolean;
  kinds: string[];
}

let mates = 0;

/** The delivery a case describes, for `cloud`. */
export function buildInput(cloud: Cloud, c: FuzzCase, records = auditRecords(cloud), foreign: unknown[] = []): FuzzInput {
  let record: unknown = records[c.record % records.length];
  for (const mutation of c.mutations) record = applyMutation(record, mutation, foreign);
  if (c.failed) record = failedCall(cloud, record);
  const envelope = ENVELOPES[cloud][c.envelope % ENVELOPES[cloud].length] ?? ENVELOPES[cloud][0];
  if (!envelope) throw new Error(`no envelope for ${cloud}`);
  const text = (value: unknown) => {
    const json = JSON.stringify(value) ?? 'null';
    return c.truncate === undefined ? json : json.slice(0, c.truncate % (json.length + 1));
  };
  const kinds = [...mutationNames(c.mutations), ...(c.truncate !== undefined ? ['truncated'] : []), ...(c.failed ? ['failed-call'] : [])];
  if (c.mate && envelope.batch) {
    mates += 1;
    const good = goodRecord(cloud, mates);
    const failed = c.failed && !c.mutations.some((m) => m.op === 'foreign');
    return { raw: envelope.wrap([record, good.record], text), mate: { eventId: good.eventId, resource: good.resource }, failed, kinds };
  }
  let raw = envelope.wrap([record], text);
  for (const mutation of c.outer) raw = applyMutation(raw, mutation, foreign);
  // Another cloud's record in its place is no longer the failed call this case made.
  const failed = c.failed && ![...c.mutations, ...c.outer].some((m) => m.op === 'foreign');
  return { raw, failed, kinds: [...kinds, ...mutationNames(c.outer).map((k) => `outer ${k}`)] };
}

/** A rejection's kind, for the summary: the words after the last `: ` that name what was wrong. */
export function reasonClass(reason: string): string {
  const classes: [RegExp, string][] = [
    [/not a recognised event|not an event|not a Cloud Audit Log entry/, 'not an event'],
    [/empty delivery|is empty/, 'empty delivery'],
    [/account .* is not|account missing|cannot be a file name/, 'bad account'],
    [/resource id|not a .* id|resourceName|resource path/, 'bad resource id'],
    [/event id|eventID|insertId|\bid\b/, 'bad event id'],
    [/region|location/, 'bad region'],
    [/holds a (control character|lone surrogate)/, 'unsafe text'],
    [/too long|too big|nested deeper/, 'too long or deep'],
    [/ISO 8601|date-time|timestamp/, 'bad time'],
    [/CIDR|destination|address/i, 'bad CIDR'],
    [/not JSON|not base64|binary/, 'not JSON'],
    [/ missing| empty$/, 'field missing or empty'],
    [/expected |Invalid input/, 'wrong type or value'],
  ];
  return classes.find(([pattern]) => pattern.test(reason))?.[1] ?? 'other';
}

/** Counts for the summary line. */
export class FuzzCounts {
  inputs = 0;
  records = 0;
  opened = 0;
  matesChecked = 0;
  failedCalls = 0;
  clamped = 0;
  readonly status = new Map<string, number>();
  readonly reasons = new Map<string, number>();

  add(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }

  line(name: string, ms: number): string {
    const list = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
    return `fuzz ${name}: ${this.inputs} inputs, ${this.records} records in ${Math.round(ms)} ms; `
      + `outcomes: ${list(this.status)}; rejections by reason: ${list(this.reasons)}; `
      + `findings opened ${this.opened} (${this.clamped} from future-dated events, clamped); batch-mates kept ${this.matesChecked}; failed calls without findings ${this.failedCalls}`;
  }
}

/** What must hold of every finding the pipeline opens: its text is safe, its link builds, its time is not in the future. */
function findingProblem(finding: Finding, now: number): string | undefined {
  for (const [field, text] of [['resource', finding.resource], ['summary', finding.summary], ['account', finding.account],
    ['principal', finding.actor.principal], ['userAgent', finding.actor.userAgent], ['eventId', finding.eventId]] as const) {
    const unsafe = text === undefined ? undefined : unsafeCharacter(text);
    if (unsafe) return `finding ${field} holds ${unsafe}`;
  }
  if (finding.resource && consoleUrl(finding) === undefined) return `no console link for ${JSON.stringify(finding.resource.slice(0, 80))}`;
  if (Date.parse(finding.eventTime) > now + MAX_CLOCK_SKEW_MS + 1000) return `finding eventTime ${finding.eventTime} is in the future`;
  return undefined;
}

/**
 * Checks one delivery's outcome against the suite's promises; returns what broke, or undefined:
 * reasons one short line, no failed record, nothing opened from a rejected, ignored or failed call,
 * the batch-mate's finding opened.
 */
export function outcomeProblem(input: FuzzInput, outcome: DeliveryOutcome, counts: FuzzCounts, now: number): string | undefined {
  if (outcome.records.length === 0) return 'no record outcome';
  for (const record of outcome.records) {
    counts.records += 1;
    counts.add(counts.status, record.status);
    const isMate = input.mate !== undefined && record.eventId === input.mate.eventId;
    if (record.reason !== undefined) {
      if (/[\r\n]/.test(record.reason)) return `a reason of more than one line: ${JSON.stringify(record.reason.slice(0, 200))}`;
      if (record.reason.length > MAX_REASON) return `a reason of ${record.reason.length} characters: ${JSON.stringify(record.reason.slice(0, 200))}`;
      if (record.reason === '') return 'an empty reason';
    }
    if (record.status === 'rejected') counts.add(counts.reasons, reasonClass(record.reason ?? ''));
    if (record.status === 'failed') return `a failed record (${record.reason ?? ''})`;
    const findings = [...record.opened, ...record.resolved];
    if (!['applied', 'stale'].includes(record.status) && findings.length > 0) return `${record.status} record with findings`;
    if (input.failed && !isMate && findings.length > 0) return `a failed call opened ${findings[0]?.rule ?? ''}`;
    for (const finding of record.opened) {
      counts.opened += 1;
      if (finding.clockSkew) counts.clamped += 1;
      const problem = findingProblem(finding, now);
      if (problem) return problem;
    }
    if (isMate) {
      if (record.status !== 'applied' || !record.opened.some((f) => f.resource === input.mate?.resource)) {
        return `batch-mate ${record.eventId ?? ''} was ${record.status}${record.reason ? ` (${record.reason})` : ''} with ${record.opened.length} findings`;
      }
      counts.matesChecked += 1;
    }
  }
  if (input.mate && !outcome.records.some((r) => r.eventId === input.mate?.eventId)) return 'batch-mate lost';
  if (input.failed) counts.failedCalls += 1;
  return undefined;
}

/** The fuzz pipeline: every adapter, the fixtures' accounts baselined, findings routed to every sink. */
export function fuzzPipeline() {
  return pipelineWith(fuzzBaselines(), { adapters: allAdapters, route: () => FUZZ_SINKS });
}

/** Runs `runs` cases of `cloud` through `Pipeline.handle`; throws (with the shrunk case) on the first broken promise. */
export async function fuzzHandle(cloud: Cloud, runs: number, pipeline: Awaited<ReturnType<typeof fuzzPipeline>>['pipeline']): Promise<string> {
  const counts = new FuzzCounts();
  const records = auditRecords(cloud);
  const foreign = (['aws', 'azure', 'gcp'] as const).filter((c) => c !== cloud).flatMap((c) => auditRecords(c));
  const started = performance.now();
  await fc.assert(fc.asyncProperty(caseArbitrary, async (c) => {
    const input = buildInput(cloud, c, records, foreign);
    counts.inputs += 1;
    let outcome: DeliveryOutcome;
    try {
      outcome = await pipeline.handle(input.raw);
    } catch (error) {
      throw new Error(`handle threw on ${input.kinds.join(', ')}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    }
    const problem = outcomeProblem(input, outcome, counts, Date.now());
    if (problem) throw new Error(`${problem} (mutations: ${input.kinds.join(', ') || 'none'})`);
  }), { numRuns: runs, seed: Number(process.env.FUZZ_SEED ?? 20261202), endOnFailure: false });
  return counts.line(cloud, performance.now() - started);
}
