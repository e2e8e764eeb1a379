import { z } from 'zod';
import type { CatalogRow } from '../../core/catalog.js';
import type { Actor, ChangeEvent, OperationPhase, ParsedRecord } from '../../core/change.js';
import { ParseError } from '../../core/errors.js';
import { gcpCatalogRow, normalizeMethod } from './catalog.js';
import type { ChangeDraft } from './extraction.js';
import { gcpExtractors } from './extractors.js';
import { clip, issueReason, quote, rejected } from '../../core/reasons.js';
import { opaqueIdProblem, safeChanges, usableEventId } from '../../core/safe-text.js';
import { gcpResourcePath, projectOfPath } from './resource-path.js';

/** The `@type` of a Cloud Audit Logs payload: https://cloud.google.com/logging/docs/audit/understanding-audit-logs */
export const AUDIT_LOG_TYPE = 'type.googleapis.com/google.cloud.audit.AuditLog';

const MAX_ID = 512;
const Text = z.string().min(1).optional();
const Timestamp = z.iso.datetime({ offset: true }).optional();

/** What is needed to tell the method: enough to ignore what nobody watches before reading the rest. */
const MethodSchema = z.looseObject({ protoPayload: z.looseObject({ methodName: z.string().min(1) }) });

/**
 * A Cloud Logging LogEntry carrying an AuditLog (https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry),
 * the fields netdrift relies on. `operation` groups the entries of a long-running operation.
 */
export const LogEntrySchema = z.looseObject({
  insertId: z.string().min(1).max(MAX_ID),
  logName: Text,
  timestamp: Timestamp,
  receiveTimestamp: Timestamp,
  resource: z.looseObject({ type: Text, labels: z.record(z.string(), z.unknown()).optional() }).optional(),
  operation: z.looseObject({ id: Text, producer: Text, first: z.boolean().optional(), last: z.boolean().optional() }).optional(),
  protoPayload: z.looseObject({
    '@type': z.literal(AUDIT_LOG_TYPE),
    serviceName: Text,
    methodName: z.string().min(1),
    resourceName: Text,
    status: z.looseObject({ code: z.number().int().optional(), message: z.string().optional() }).optional(),
    authenticationInfo: z.looseObject({ principalEmail: Text }).optional(),
    requestMetadata: z.looseObject({ callerIp: Text, callerSuppliedUserAgent: Text }).optional(),
    request: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type LogEntry = z.infer<typeof LogEntrySchema>;

/** google.rpc.Code names: https://github.com/googleapis/googleapis/blob/master/google/rpc/code.proto */
const STATUS_NAMES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE',
  'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];

/** A plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The request without its `@type`: compute logs only the type for calls whose body is empty. */
function requestOf(value: unknown): Record<string, unknown> | undefined {
  if (!isRecord(value)) return undefined;
  const fields = Object.keys(value).filter((key) => key !== '@type');
  return fields.length > 0 ? value : undefined;
}

const simplified = (key: string) => key.toLowerCase().replace(/^(?:@|at_sign_)/, '').replace(/[^a-z0-9]/g, '');

/**
 * A missing field whose name is there in another spelling (`insertid`, `at_sign_type`, `callerIP`)
 * means the entry was re-rendered by another tool (a SIEM export), not published by Cloud Logging.
 */
function respelledHint(raw: Record<string, unknown>, error: z.ZodError): string {
  const issue = error.issues[0];
  const missing = issue && (issue.code === 'invalid_type' || issue.code === 'invalid_value') && (issue as { input?: unknown }).input === undefined;
  if (!issue || !missing) return '';
  let parent: unknown = raw;
  for (const part of issue.path.slice(0, -1)) parent = isRecord(parent) ? parent[String(part)] : undefined;
  const key = String(issue.path[issue.path.length - 1]);
  const found = isRecord(parent) ? Object.keys(parent).find((k) => k !== key && simplified(k) === simplified(key)) : undefined;
  return found ? ` (found ${quote(found)}: a re-rendered entry, not Cloud Logging's LogEntry JSON)` : '';
}

function nonEmpty(...values: unknown[]): string | undefined {
  return values.find((value): value is string => typeof value === 'string' && value.trim() !== '');
}

function actorOf(entry: LogEntry): Actor {
  const { authenticationInfo: auth, requestMetadata: meta } = entry.protoPayload;
  const actor: Actor = {};
  if (auth?.principalEmail) actor.principal = auth.principalEmail;
  if (meta?.callerIp) actor.sourceIp = meta.callerIp;
  if (meta?.callerSuppliedUserAgent) actor.userAgent = meta.callerSuppliedUserAgent;
  return actor;
}

/** The project: the monitored resource's label, else the resource name's, the request's, the log name's. */
function projectOf(entry: LogEntry): string | undefined {
  const { resourceName, request } = entry.protoPayload;
  return nonEmpty(entry.resource?.labels?.project_id, resourceName && projectOfPath(resourceName), request?.project,
    entry.logName && projectOfPath(entry.logName));
}

/**
 * The phase of a long-running operation's entry: compute logs a first entry (with the request)
 * and a last one under one `operation.id`; an entry that is both is the first.
 * https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry#LogEntryOperation
 */
function phaseOf(entry: LogEntry): OperationPhase['phase'] | undefined {
  const operation = entry.operation;
  if (!operation?.id) return undefined;
  if (operation.first) return 'first';
  return operation.last ? 'last' : undefined;
}

function statusText(code: number): string {
  const name = STATUS_NAMES[code];
  return name ? `status ${code} (${name})` : `status ${code}`;
}

/**
 * One draft as a ChangeEvent. A failed operation is re-checked, never taken as done: what it
 * would have deleted is still there, so its rollback is an update.
 */
function changeEvent(entry: LogEntry, row: CatalogRow, draft: ChangeDraft, at: { time: string; project: string; failed: boolean }): ChangeEvent {
  const planned = draft.action ?? row.action;
  const change: ChangeEvent = {
    cloud: 'gcp', account: at.project, region: draft.region, eventId: entry.insertId, operation: row.operation,
    time: at.time, actor: actorOf(entry), kind: row.kind, id: draft.id,
    action: at.failed && planned === 'delete' ? 'update' : planned, payload: draft.payload,
  };
  if (draft.locate) change.locate = draft.locate;
  if (draft.select) change.select = draft.select;
  if (at.failed) change.rollback = true;
  return change;
}

/**
 * One LogEntry → what it is to netdrift: changes, ignored (unwatched, failed call) or rejected with
 * a one-line reason. The last entry of a long-running operation names the resources its first
 * changed, payload `none`; when the operation failed, as a rollback (not a failed call: the pipeline
 * re-checks what the first entry opened). Never throws for bad input.
 */
export function parseLogEntry(raw: unknown, where = 'LogEntry'): ParsedRecord {
  if (!isRecord(raw)) return { status: 'rejected', reason: `${where}: expected an object, got ${quote(raw)}` };
  if (!isRecord(raw.protoPayload)) return { status: 'rejected', reason: `${where}: not a Cloud Audit Log entry (no protoPayload)` };
  const key = MethodSchema.safeParse(raw, { reportInput: true });
  if (!key.success) return { status: 'rejected', reason: issueReason(where, key.error) };
  const operation = clip(normalizeMethod(key.data.protoPayload.methodName), 120);
  const usableId = typeof raw.insertId === 'string' && raw.insertId.length <= MAX_ID ? usableEventId(raw.insertId) : undefined;
  const knownId = usableId ? { eventId: usableId } : {};
  const row = gcpCatalogRow(key.data.protoPayload.methodName);
  if (!row) return { status: 'ignored', ...knownId, reason: 'unwatched', detail: operation };
  const extractor = gcpExtractors[row.operation];
  if (!extractor) throw new Error(`catalog row ${row.operation} has no extractor`);
  const request = requestOf(raw.protoPayload.request);
  const unwatched = request && extractor.unwatched?.(request);
  if (unwatched) {
    // The operation's last entry carries no request to tell it is unwatched too: settle the operation.
    const opId = isRecord(raw.operation) && raw.operation.first === true ? usableEventId(raw.operation.id, MAX_ID) : undefined;
    const op = opId ? { operation: { key: opId, phase: 'first' as const, failed: false } } : {};
    return { status: 'ignored', ...knownId, reason: 'unwatched', detail: unwatched, ...op };
  }

  const parsed = LogEntrySchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return { status: 'rejected', reason: clip(issueReason(where, parsed.error) + respelledHint(raw, parsed.error)) };
  const entry = parsed.data;
  const operationProblem = entry.operation?.id === undefined ? undefined : opaqueIdProblem('operation.id', entry.operation.id, MAX_ID);
  if (operationProblem) return rejected(`${where}: ${operationProblem}`);
  const time = entry.timestamp ?? entry.receiveTimestamp;
  if (!time) return { status: 'rejected', reason: `${where}: timestamp missing (and no receiveTimestamp)` };
  const project = projectOf(entry);
  if (!project) return { status: 'rejected', reason: `${where}: project missing (no resource.labels.project_id, resourceName or logName project)` };
  const code = entry.protoPayload.status?.code;
  const failed = code !== undefined && code !== 0;
  const phase = phaseOf(entry);
  if (failed && phase !== 'last') {
    return { status: 'ignored', eventId: entry.insertId, reason: 'failed-call', detail: `${operation} failed: ${statusText(code)}` };
  }

  const call = { request, resourceName: gcpResourcePath(entry.protoPayload.resourceName ?? ''), project };
  let drafts: ChangeDraft[];
  try {
    // A last entry acts only when its first never arrived (the pipeline's operation rule); a failed
    // one re-checks what the first may have changed, a successful one applies what it says alone.
    const fromLast = phase === 'last' && !failed ? extractor.fromLast : undefined;
    drafts = fromLast ? fromLast(call) : phase === 'last' ? extractor.affected(call) : extractor.extract(call);
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    return { status: 'rejected', reason: clip(`${where} ${row.operation}: ${error.message}`) };
  }
  const changes = safeChanges(drafts.map((draft) => changeEvent(entry, row, draft, { time, project, failed })));
  if ('problem' in changes) return rejected(`${where} ${row.operation}: ${changes.problem}`);
  const record: ParsedRecord = { status: 'changes', eventId: entry.insertId, changes: changes.value };
  if (phase && entry.operation?.id) record.operation = { key: entry.operation.id, phase, failed };
  return record;
}
