import { loadConfig } from '../config-file.js';
import { findingRecord, findingsTable } from '../finding-output.js';
import { EXIT, type CommandIO } from '../io.js';
import { oneOf, parseCommand, required, UsageError } from '../usage.js';
import { findingTransitions } from '../../core/finding-transitions.js';
import { CLOUDS, type Scope } from '../../core/resource.js';
import { diffSnapshots } from '../../core/snapshot-diff.js';
import { canonicalJson, snapshotSha256 } from '../../snapshots/canonical.js';
import { FilesystemSnapshotStore } from '../../snapshots/fs-store.js';
import { approveCandidate, saveCandidate } from '../../snapshots/lifecycle.js';
import { AwsStateReader } from '../../adapters/aws/state-reader.js';
import { RegionProgress } from '../progress.js';

const OPTIONS = {
  cloud: { type: 'string' }, account: { type: 'string' }, baseline: { type: 'string' },
  candidate: { type: 'boolean' }, format: { type: 'string' }, by: { type: 'string' },
  regions: { type: 'string' }, endpoint: { type: 'string' },
} as const;

/** `netdrift snapshot show|diff|approve` on the filesystem store. */
export async function snapshotCommand(args: string[], io: CommandIO): Promise<number> {
  const [action, ...rest] = args;
  const handler = action ? ACTIONS[action] : undefined;
  if (!handler) throw new UsageError(`snapshot: expected one of ${Object.keys(ACTIONS).join(', ')}${action ? `, got "${action}"` : ''}`);
  const { values } = parseCommand(rest, OPTIONS);
  const config = await loadConfig(values.config, io.env);
  const scope: Scope = { cloud: oneOf('cloud', required('cloud', values.cloud), CLOUDS, 'aws'), account: required('account', values.account) };
  const store = new FilesystemSnapshotStore(values.baseline ?? config.baselines);
  return handler({ store, scope, values, io });
}

interface ActionContext {
  store: FilesystemSnapshotStore;
  scope: Scope;
  values: { candidate?: boolean; format?: string; by?: string; regions?: string; endpoint?: string };
  io: CommandIO;
}

const ACTIONS: Record<string, (ctx: ActionContext) => Promise<number>> = {
  /** Captures live state as the account's candidate (AWS: the standard credential chain). */
  async capture({ store, scope, values, io }) {
    if (scope.cloud !== 'aws') throw new UsageError(`snapshot capture: --cloud ${scope.cloud} is not supported yet (aws is)`);
    const regions = required('regions', values.regions).split(',').map((r) => r.trim()).filter(Boolean);
    if (values.endpoint !== undefined && !URL.canParse(values.endpoint)) throw new UsageError(`--endpoint: not a URL: "${values.endpoint}"`);
    const progress = new RegionProgress(io.stderr, regions);
    const reader = new AwsStateReader({
      clientConfig: values.endpoint ? { endpoint: values.endpoint } : {},
      onProgress: (region, done, total) => progress.update(region, done, total),
    });
    const capture = await reader.capture(scope, regions);
    for (const failure of capture.failures) io.stderr.write(`capture of ${failure.region} failed: ${failure.error}\n`);
    // A partial capture approved as a baseline would drop the regions it missed: never save one.
    if (capture.failures.length > 0) {
      io.stderr.write(`candidate not saved: ${capture.failures.length} region(s) could not be read\n`);
      return EXIT.failure;
    }
    const saved = await saveCandidate(store, capture.snapshot);
    io.stdout.write(`candidate ${scope.cloud}/${scope.account}: ${capture.snapshot.resources.length} resources, sha256 ${saved.sha256}\n`);
    return EXIT.ok;
  },

  async show({ store, scope, values, io }) {
    const slot = values.candidate ? 'candidate' : 'baseline';
    const stored = await store.get(scope, slot);
    if (!stored) {
      io.stderr.write(`no ${slot} for ${scope.cloud}/${scope.account}\n`);
      return EXIT.failure;
    }
    io.stdout.write(canonicalJson(stored.snapshot));
    return EXIT.ok;
  },

  async diff({ store, scope, values, io }) {
    const format = oneOf('format', values.format, ['text', 'json'], 'text');
    const [baseline, candidate] = await Promise.all([store.get(scope, 'baseline'), store.get(scope, 'candidate')]);
    if (!baseline || !candidate) {
      io.stderr.write(`snapshot diff needs a baseline and a candidate for ${scope.cloud}/${scope.account}; missing: ${[!baseline && 'baseline', !candidate && 'candidate'].filter(Boolean).join(', ')}\n`);
      return EXIT.failure;
    }
    const from = {
      operation: 'snapshot diff', eventId: `candidate:${snapshotSha256(candidate.snapshot).slice(0, 12)}`,
      actor: {}, eventTime: candidate.snapshot.capturedAt,
    };
    const drifts = diffSnapshots(baseline.snapshot, candidate.snapshot);
    const { opened } = findingTransitions(scope, drifts, [], from, new Date().toISOString(), true);
    if (format === 'json') for (const f of opened) io.stdout.write(`${JSON.stringify(findingRecord(f))}\n`);
    else io.stdout.write(findingsTable(opened));
    return EXIT.ok;
  },

  async approve({ store, scope, values, io }) {
    const result = await approveCandidate(store, scope, {
      ...(values.by ? { approvedBy: values.by } : {}),
      ...(io.env.NETDRIFT_APPROVAL_HMAC_KEY ? { hmacKey: io.env.NETDRIFT_APPROVAL_HMAC_KEY } : {}),
    });
    io.stdout.write(`approved ${scope.cloud}/${scope.account}: sha256 ${result.approval.sha256}\n`);
    return EXIT.ok;
  },
};
