import { loadConfig } from '../config-file.js';
import { findingRecord, findingsTable } from '../finding-output.js';
import { EXIT, progressStream, type CommandIO } from '../io.js';
import { DEFAULT_REFRESH_FUNCTION, invokeRefresh } from '../refresh-function.js';
import { folderStore, openSnapshotStore, type OpenedStore } from '../snapshot-store-url.js';
import { oneOf, parseCommand, required, UsageError } from '../usage.js';
import { findingTransitions } from '../../core/finding-transitions.js';
import { CLOUDS, type Scope } from '../../core/resource.js';
import { atLeast, SEVERITIES } from '../../core/severity.js';
import { diffSnapshots } from '../../core/snapshot-diff.js';
import { canonicalHeader, canonicalJson, canonicalResource, documentFrame, prettyElement, snapshotSha256 } from '../../snapshots/canonical.js';
import { approveCandidate, approveCandidateStream, saveCandidate } from '../../snapshots/lifecycle.js';
import type { ReadStoredSnapshot } from '../../snapshots/approval.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';
import { CaptureSink } from '../../snapshots/capture-sink.js';
import { diffSnapshotStreams } from '../../snapshots/stream-diff.js';
import type { Drift } from '../../core/finding.js';
import type { SnapshotStore } from '../../core/ports.js';
import { AwsStateReader } from '../../adapters/aws/state-reader.js';
import { assetScope as cloudAssetScope, captureCloud } from '../cloud-capture.js';
import { RegionProgress } from '../progress.js';
import { findingsHtml, findingsMarkdown, summaryText } from '../report.js';
import { userInfo } from 'node:os';
import type { Finding } from '../../core/finding.js';

const OPTIONS = {
  cloud: { type: 'string' }, account: { type: 'string' }, baseline: { type: 'string' }, store: { type: 'string' },
  region: { type: 'string' }, endpoint: { type: 'string' }, candidate: { type: 'boolean' }, format: { type: 'string' },
  by: { type: 'string' }, regions: { type: 'string' }, 'exit-code': { type: 'string' }, function: { type: 'string' },
  local: { type: 'boolean' }, role: { type: 'string' }, 'external-id': { type: 'string' },
  'management-group': { type: 'string' }, organization: { type: 'string' }, folder: { type: 'string' },
  reason: { type: 'string' },
} as const;

type OptionName = keyof typeof OPTIONS;
type Values = ReturnType<typeof parseCommand<typeof OPTIONS>>['values'];

interface ActionContext {
  scope: Scope;
  values: Values;
  io: CommandIO;
  /** The store `--store URL` or `--baseline DIR` names (default: the config's baselines folder). */
  openStore(): Promise<OpenedStore>;
  /** The AWS region of the command's clients: `--region`, else `AWS_REGION`. */
  region: string | undefined;
}

interface Action {
  /** The options the action takes besides `--cloud`, `--account` and `--config`. */
  options: readonly OptionName[];
  run(ctx: ActionContext): Promise<number>;
}

const STORE: readonly OptionName[] = ['baseline', 'store', 'region', 'endpoint'];
const CAPTURE: readonly OptionName[] = ['regions', 'role', 'external-id', 'management-group', 'organization', 'folder'];
/** Options that capture every account under a wider scope instead of `--account`. */
const WIDER_SCOPES = ['management-group', 'organization', 'folder'] as const;

/** A bare `--exit-code` (last, or before another option) means any drift: `--exit-code=info`. */
function withExitCodeValue(args: readonly string[]): string[] {
  return args.map((arg, i) => (arg === '--exit-code' && (args[i + 1] === undefined || args[i + 1]?.startsWith('-')) ? '--exit-code=info' : arg));
}

/** `netdrift snapshot capture|refresh|show|diff|approve|history`, on a folder or any store `--store` names. */
export async function snapshotCommand(args: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = args;
  const action = name ? ACTIONS[name] : undefined;
  if (!action) throw new UsageError(`snapshot: expected one of ${Object.keys(ACTIONS).join(', ')}${name ? `, got "${name}"` : ''}`);
  const { values } = parseCommand(withExitCodeValue(rest), OPTIONS);
  const foreign = (Object.keys(values) as (OptionName | 'config')[])
    .filter((option) => option !== 'config' && option !== 'cloud' && option !== 'account' && !action.options.includes(option));
  if (foreign.length > 0) throw new UsageError(`snapshot ${name}: --${foreign[0]} is not an option of ${name}`);
  if (values.store !== undefined && values.baseline !== undefined) {
    throw new UsageError('--store and --baseline both say where snapshots live: give one');
  }
  if (values.endpoint !== undefined && !URL.canParse(values.endpoint)) throw new UsageError(`--endpoint: not a URL: "${values.endpoint}"`);
  const config = await loadConfig(values.config, io.env);
  const wider = WIDER_SCOPES.find((option) => values[option] !== undefined);
  if (wider && values.account !== undefined) throw new UsageError(`--account and --${wider} both say what to capture: give one`);
  const cloud = oneOf('cloud', required('cloud', values.cloud), CLOUDS, 'aws');
  // With a wider scope, each captured account names itself; the scope's account is left empty.
  const scope: Scope = { cloud, account: wider ? '' : required('account', values.account) };
  const region = values.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  const openStore = async (): Promise<OpenedStore> => (values.store !== undefined
    ? openSnapshotStore(values.store, { ...(region ? { region } : {}), ...(values.endpoint ? { endpoint: values.endpoint } : {}), cwd: io.cwd })
    : folderStore(values.baseline ?? config.baselines, io.cwd));
  return action.run({ scope, values, io, openStore, region });
}

function regionList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((r) => r.trim()).filter(Boolean);
}

/** Captures live state as the account's candidate (AWS: the standard credential chain, or `--role`). */
async function capture(ctx: ActionContext): Promise<number> {
  const { scope, values, io, openStore } = ctx;
  if (scope.cloud !== 'aws') return captureAzureOrGcp(ctx);
  const wider = WIDER_SCOPES.find((option) => values[option] !== undefined);
  if (wider) throw new UsageError(`--${wider} is not an option of --cloud aws`);
  const regions = regionList(required('regions', values.regions));
  if (values['external-id'] !== undefined && values.role === undefined) throw new UsageError('--external-id needs --role');
  const { store } = await openStore();
  const progress = new RegionProgress(progressStream(io), regions);
  const reader = new AwsStateReader({
    clientConfig: values.endpoint ? { endpoint: values.endpoint } : {},
    ...(values.role ? { assumeRole: { roleName: values.role, ...(values['external-id'] ? { externalId: values['external-id'] } : {}) } } : {}),
    onProgress: (region, done, total) => progress.update(region, done, total),
  });
  if (!(store instanceof FilesystemSnapshotStore)) {
    const captured = await reader.capture(scope, regions);
    if (!savable(captured.failures, io)) return EXIT.failure;
    const saved = await saveCandidate(store, captured.snapshot);
    io.stdout.write(`candidate ${scope.cloud}/${scope.account}: ${captured.snapshot.resources.length} resources, sha256 ${saved.sha256}\n`);
    return EXIT.ok;
  }
  // A folder: region by region into a capture sink, written as it is read (memory holds one region).
  const sink = new CaptureSink(store, scope, new Date().toISOString());
  const failures: { region: string; error: string }[] = [];
  try {
    for (const region of regions) {
      const captured = await reader.capture(scope, [region]);
      failures.push(...captured.failures);
      await sink.add(captured.snapshot.resources);
    }
    if (!savable(failures, io)) {
      await sink.discard();
      return EXIT.failure;
    }
    const saved = await sink.finish();
    io.stdout.write(`candidate ${scope.cloud}/${scope.account}: ${saved.resources} resources, sha256 ${saved.sha256}\n`);
    return EXIT.ok;
  } catch (error) {
    await sink.discard();
    throw error;
  }
}

/** Reports failed regions; a partial capture approved as a baseline would drop the regions it missed: never save one. */
function savable(failures: readonly { region: string; error: string }[], io: CommandIO): boolean {
  const unique = [...new Map(failures.map((f) => [`${f.region}\n${f.error}`, f])).values()];
  for (const failure of unique) io.stderr.write(`capture of ${failure.region} failed: ${failure.error}\n`);
  if (unique.length === 0) return true;
  io.stderr.write(`candidate not saved: ${new Set(unique.map((f) => f.region)).size} region(s) could not be read\n`);
  return false;
}

/**
 * Azure (a subscription, or `--management-group` through Resource Graph) and GCP (a project, or
 * `--organization` / `--folder` through Cloud Asset Inventory): one candidate per account captured
 * whole, written as it is read; an account that could not be read whole is listed and gets none (exit 1).
 */
async function captureAzureOrGcp({ scope, values, io, openStore }: ActionContext): Promise<number> {
  const cloud = scope.cloud as 'azure' | 'gcp';
  const allowed = cloud === 'azure' ? ['management-group'] : ['organization', 'folder'];
  const foreign = (['role', 'external-id', ...WIDER_SCOPES] as const).find((option) => values[option] !== undefined && !allowed.includes(option));
  if (foreign) throw new UsageError(`--${foreign} is not an option of --cloud ${cloud}`);
  if (values.organization !== undefined && values.folder !== undefined) throw new UsageError('--organization and --folder both say what to capture: give one');
  const assetScope = values.organization !== undefined ? cloudAssetScope('organization', values.organization)
    : values.folder !== undefined ? cloudAssetScope('folder', values.folder) : undefined;
  const { store } = await openStore();
  const captured = await captureCloud({
    cloud, regions: regionList(values.regions), env: io.env, stderr: progressStream(io), store,
    ...(scope.account ? { account: scope.account } : {}), ...(values.endpoint ? { endpoint: values.endpoint } : {}),
    ...(values['management-group'] !== undefined ? { managementGroup: values['management-group'] } : {}),
    ...(assetScope ? { assetScope } : {}),
  });
  // Each account was saved as it was read (into a folder: written as it was listed, issue 12).
  for (const saved of captured.saved) io.stdout.write(`candidate ${cloud}/${saved.account}: ${saved.resources} resources, sha256 ${saved.sha256}\n`);
  for (const failure of captured.failures) io.stderr.write(`capture of ${cloud}/${failure.account} failed: ${failure.error}\n`);
  if (captured.failures.length === 0) return EXIT.ok;
  // A partial capture approved as a baseline would read as deletions: never save one.
  io.stderr.write(`candidate not saved for ${captured.failures.length} ${cloud === 'azure' ? 'subscription' : 'project'}(s): ${captured.failures.map((f) => f.account).join(', ')}\n`);
  return EXIT.failure;
}

/** Has the deployed refresh function capture the account into its store (`--local`: capture here instead). */
async function refresh(ctx: ActionContext): Promise<number> {
  const { scope, values, io, region } = ctx;
  if (values.local) {
    if (values.function !== undefined) throw new UsageError('--function and --local exclude each other: --local captures here');
    return capture(ctx);
  }
  if (scope.cloud !== 'aws') throw new UsageError(`snapshot refresh: --cloud ${scope.cloud} is not supported yet (aws is)`);
  const local = (['store', 'baseline', 'role', 'external-id'] as const).find((option) => values[option] !== undefined);
  if (local) throw new UsageError(`snapshot refresh: --${local} only with --local (the function captures with its own role into its own store)`);
  const functionName = values.function ?? DEFAULT_REFRESH_FUNCTION;
  const regions = regionList(values.regions);
  const outcome = await invokeRefresh({
    functionName, account: scope.account, regions,
    ...(region ? { region } : {}), ...(values.endpoint ? { endpoint: values.endpoint } : {}),
  });
  const store = outcome.store ?? 's3://BUCKET/PREFIX';
  const where = `--cloud ${scope.cloud} --account ${scope.account} --store ${store}`;
  io.stdout.write(`candidate ${scope.cloud}/${outcome.account}: ${outcome.resources} resources, sha256 ${outcome.sha256} (${functionName}${outcome.store ? `, ${outcome.store}` : ''})\n`);
  io.stdout.write(`review:  netdrift snapshot diff ${where}\n`);
  io.stdout.write(`approve: netdrift snapshot approve ${where} --by NAME\n`);
  return EXIT.ok;
}

async function show({ scope, values, io, openStore }: ActionContext): Promise<number> {
  const slot = values.candidate ? 'candidate' : 'baseline';
  const { store, url } = await openStore();
  // A folder snapshot is printed as the one document it stands for, resource by resource.
  const stream = store instanceof FilesystemSnapshotStore ? await store.openStream(scope, slot) : undefined;
  if (stream?.layout === 'folder') {
    const frame = documentFrame(canonicalHeader(await stream.readHeader()));
    let count = 0;
    io.stdout.write(frame.prettyHead);
    for await (const batch of stream.items()) {
      io.stdout.write(batch.map((item) => prettyElement(canonicalResource(item.resource, { plain: true }), count++)).join(''));
    }
    io.stdout.write(frame.prettyTail(count === 0));
    return EXIT.ok;
  }
  const stored = await store.get(scope, slot);
  if (!stored) {
    io.stderr.write(`no ${slot} for ${scope.cloud}/${scope.account} in ${url}\n`);
    return EXIT.failure;
  }
  io.stdout.write(canonicalJson(stored.snapshot));
  return EXIT.ok;
}

/** The candidate's drift from the baseline as findings; `--exit-code SEVERITY` fails on drift at or above it. */
async function diff({ scope, values, io, openStore }: ActionContext): Promise<number> {
  const format = oneOf('format', values.format, ['text', 'json', 'markdown', 'html'], 'text');
  const gate = values['exit-code'] === undefined ? undefined : oneOf('exit-code', values['exit-code'], SEVERITIES, 'info');
  const { store, url } = await openStore();
  const read = store instanceof FilesystemSnapshotStore ? await driftsOfFolder(store, scope) : await driftsOfStore(store, scope);
  if ('missing' in read) {
    io.stderr.write(`snapshot diff needs a baseline and a candidate for ${scope.cloud}/${scope.account} in ${url}; missing: ${read.missing}\n`);
    return EXIT.failure;
  }
  // The candidate's identity as recorded when it was written, or the digest of its bytes as they were read: never recomputed.
  const from = { operation: 'snapshot diff', eventId: `candidate:${read.sha256.slice(0, 12)}`, actor: {}, eventTime: read.capturedAt };
  const drifts = read.drifts;
  const { opened } = findingTransitions(scope, drifts, [], from, new Date().toISOString(), true);
  const context = {
    title: `netdrift snapshot diff: ${scope.cloud}/${scope.account}`,
    subtitle: `candidate ${read.sha256.slice(0, 12)}… (captured ${read.capturedAt}) against the approved baseline in ${url}`,
    generatedAt: new Date().toISOString(),
  };
  if (format === 'json') for (const f of opened) io.stdout.write(`${JSON.stringify(findingRecord(f))}\n`);
  else if (format === 'markdown') io.stdout.write(findingsMarkdown(opened, context));
  else if (format === 'html') io.stdout.write(findingsHtml(opened, context));
  else io.stdout.write(`${findingsTable(opened, io.colour?.stdout)}${opened.length > 0 ? `\n${summaryText(opened)}` : ''}`);
  if (gate === undefined) return EXIT.ok;
  const over = opened.filter((f) => atLeast(f.severity, gate));
  if (over.length === 0) return EXIT.ok;
  io.stderr.write(`drift at or above ${gate}: ${over.length} finding(s)\n`);
  return EXIT.failure;
}

/** Drifts between the two slots and the candidate's identity, or which slot is missing. */
type SlotDrifts = { drifts: Drift[]; sha256: string; capturedAt: string } | { missing: string };

function missingSlots(baseline: unknown, candidate: unknown): string {
  return [!baseline && 'baseline', !candidate && 'candidate'].filter(Boolean).join(', ');
}

/** A folder's slots read as streams and merged: memory holds batches and drifts, at any size. */
async function driftsOfFolder(store: FilesystemSnapshotStore, scope: Scope): Promise<SlotDrifts> {
  const [baseline, candidate] = await Promise.all([store.openStream(scope, 'baseline'), store.openStream(scope, 'candidate')]);
  if (!baseline || !candidate) return { missing: missingSlots(baseline, candidate) };
  const drifts = await diffSnapshotStreams(scope.cloud, baseline, candidate);
  if (drifts) {
    const { header, bytesSha256 } = candidate.summary();
    return { drifts, sha256: candidate.recordedSha256 ?? bytesSha256, capturedAt: header.capturedAt };
  }
  // Out of the rules' order (edited by hand, or Azure ids whose case sorts them apart): in memory.
  return driftsOfStore(store, scope);
}

async function driftsOfStore(store: SnapshotStore, scope: Scope): Promise<SlotDrifts> {
  const [baseline, candidate] = await Promise.all([store.get(scope, 'baseline'), store.get(scope, 'candidate')]) as (ReadStoredSnapshot | undefined)[];
  if (!baseline || !candidate) return { missing: missingSlots(baseline, candidate) };
  return {
    drifts: diffSnapshots(baseline.snapshot, candidate.snapshot),
    sha256: candidate.bytesSha256 ?? snapshotSha256(candidate.snapshot),
    capturedAt: candidate.snapshot.capturedAt,
  };
}

/** Who approves when `--by` is not given: the signed-in user, as git names an author. */
function osUser(env: NodeJS.ProcessEnv): string | undefined {
  try {
    return userInfo().username || env.USER || env.USERNAME;
  } catch {
    return env.USER ?? env.USERNAME;
  }
}

async function approve({ scope, values, io, openStore }: ActionContext): Promise<number> {
  const { store } = await openStore();
  const approvedBy = values.by ?? osUser(io.env);
  if (values.reason !== undefined && values.reason.trim() === '') throw new UsageError('--reason: give a reason, or leave the option out');
  // What is being approved, before it is: the same summary `snapshot diff` ends with.
  const read = store instanceof FilesystemSnapshotStore ? await driftsOfFolder(store, scope) : await driftsOfStore(store, scope);
  if ('drifts' in read) {
    const from = { operation: 'snapshot approve', eventId: `candidate:${read.sha256.slice(0, 12)}`, actor: {}, eventTime: read.capturedAt };
    const { opened } = findingTransitions(scope, read.drifts, [], from, new Date().toISOString(), true);
    io.stdout.write(approvalSummary(opened));
  } else if (read.missing === 'baseline') {
    io.stdout.write(`approving the first baseline of ${scope.cloud}/${scope.account}\n`);
  }
  const options = {
    ...(approvedBy ? { approvedBy } : {}),
    ...(values.reason ? { reason: values.reason.trim() } : {}),
    ...(io.env.NETDRIFT_APPROVAL_HMAC_KEY ? { hmacKey: io.env.NETDRIFT_APPROVAL_HMAC_KEY } : {}),
  };
  // A folder: streamed, at any size (undefined when the candidate is out of order: then in memory).
  const streamed = store instanceof FilesystemSnapshotStore ? await approveCandidateStream(store, scope, options) : undefined;
  const result = streamed ?? await approveCandidate(store, scope, options);
  io.stdout.write(`approved ${scope.cloud}/${scope.account}: sha256 ${result.approval.sha256}\n`);
  if (approvedBy || values.reason) io.stdout.write(`  by ${approvedBy ?? 'an unknown user'}${values.reason ? `: ${values.reason.trim()}` : ''}\n`);
  return EXIT.ok;
}

/** `summary: …` lines, with the candidate's drift from the baseline it replaces. */
function approvalSummary(opened: readonly Finding[]): string {
  return opened.length === 0 ? 'summary: the candidate has no drift from the current baseline\n' : summaryText(opened);
}

/** The approvals of an account, oldest first: when, who, the sha256, why, and where each is kept. */
async function history({ scope, values, io, openStore }: ActionContext): Promise<number> {
  const format = oneOf('format', values.format, ['text', 'json'], 'text');
  const { store, url } = await openStore();
  const entries = await store.history(scope);
  if (format === 'json') {
    for (const entry of entries) io.stdout.write(`${JSON.stringify(entry)}\n`);
    return EXIT.ok;
  }
  if (entries.length === 0) {
    io.stdout.write(`no approvals of ${scope.cloud}/${scope.account} in ${url}\n`);
    return EXIT.ok;
  }
  const rows = entries.map((e) => [e.approvedAt, e.approvedBy ?? '-', e.sha256, e.reason ?? '']);
  const header = ['APPROVED AT', 'BY', 'SHA256', 'REASON'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  io.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
  return EXIT.ok;
}

const ACTIONS: Record<string, Action> = {
  capture: { options: [...STORE, ...CAPTURE], run: capture },
  refresh: { options: [...STORE, ...CAPTURE, 'function', 'local'], run: refresh },
  show: { options: [...STORE, 'candidate'], run: show },
  diff: { options: [...STORE, 'format', 'exit-code'], run: diff },
  approve: { options: [...STORE, 'by', 'reason'], run: approve },
  history: { options: [...STORE, 'format'], run: history },
};
