import { CLOUDS, type Cloud } from '../../core/resource.js';
import { ConfigError, oneLine } from '../../core/errors.js';
import type { Config } from '../../core/config.js';
import { loadConfig } from '../config-file.js';
import { checkBaselines, type BaselineReport } from '../doctor/baselines.js';
import { checkReaders } from '../doctor/readers.js';
import { checkLine, fail, ok, skip, summaryLine, type Check } from '../doctor/report.js';
import { checkSinks } from '../doctor/sinks.js';
import { checkStateStore } from '../doctor/state-store.js';
import { EXIT, type CommandIO } from '../io.js';
import { folderStore, openSnapshotStore } from '../snapshot-store-url.js';
import { oneOf, parseCommand, UsageError } from '../usage.js';

const OPTIONS = {
  baseline: { type: 'string' }, store: { type: 'string' }, state: { type: 'string' }, clouds: { type: 'string' },
  region: { type: 'string' }, endpoint: { type: 'string' }, 'send-test': { type: 'boolean' }, format: { type: 'string' },
  skip: { type: 'string' },
} as const;

/** What `--skip` may leave out (a run without network: `--skip sink,reader`); the config is always checked. */
const SKIPPABLE = ['sink', 'state', 'baseline', 'reader'] as const;
type Skippable = (typeof SKIPPABLE)[number];

function parseSkip(value: string | undefined): Set<Skippable> {
  if (value === undefined) return new Set();
  const named = value.split(',').map((area) => area.trim().toLowerCase()).filter(Boolean);
  const unknown = named.find((area) => !(SKIPPABLE as readonly string[]).includes(area));
  if (named.length === 0 || unknown !== undefined) throw new UsageError(`--skip: expected ${SKIPPABLE.join(', ')} (comma-separated)${unknown ? `, got "${unknown}"` : ''}`);
  return new Set(named as Skippable[]);
}

/** `--clouds aws,gcp`: each once; anything else is a usage error. */
function parseClouds(value: string | undefined): Cloud[] | undefined {
  if (value === undefined) return undefined;
  const named = value.split(',').map((cloud) => cloud.trim().toLowerCase()).filter(Boolean);
  const unknown = named.find((cloud) => !(CLOUDS as readonly string[]).includes(cloud));
  if (named.length === 0 || unknown !== undefined) throw new UsageError(`--clouds: expected ${CLOUDS.join(', ')} (comma-separated)${unknown ? `, got "${unknown}"` : ''}`);
  return [...new Set(named)] as Cloud[];
}

function describeConfig(file: string | undefined, config: Config): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const parts = [count(Object.keys(config.sinks).length, 'sink'), count(config.routes.length, 'route'), count(config.suppressions.length, 'suppression')];
  if (config.approvalHmacKey !== undefined) parts.push('approval HMAC key set');
  return `${file ?? 'environment only (no --config, NETDRIFT_CONFIG unset)'}: ${parts.join(', ')}`;
}

/**
 * `netdrift doctor`: what netdrift needs, one line per check, each failure with what to do:
 * - config: the config file (or the environment alone) is valid;
 * - sink: Slack's webhook answers an empty message as Slack does (refused, so nothing is posted),
 *   PagerDuty's routing key has the shape of an integration key, a webhook is not contacted; with
 *   `--send-test` each gets a test message (PagerDuty: a test incident, resolved at once);
 * - state: the state store (`--state`, else the config's SQLite file) opens and reads, creating nothing;
 * - snapshots, baseline: the snapshot store lists its accounts, and each baseline parses, is kept
 *   under its own scope and matches its approval (sha256; the HMAC with a key), as the pipeline checks;
 * - reader: one read call per cloud with these credentials, for `--clouds` or every cloud the store holds.
 * Every check runs (one failing does not hide the next); checks that need a failed one are listed as
 * skipped, as are those `--skip` names. Exit 1 when any failed, 2 on a usage error. `--region` and
 * `--endpoint` are AWS's (S3, DynamoDB, the reader); Azure and GCP read NETDRIFT_ARM_ENDPOINT and
 * NETDRIFT_GCP_ENDPOINT as serve does.
 */
export async function doctorCommand(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseCommand(args, OPTIONS);
  const format = oneOf('format', values.format, ['text', 'json'], 'text');
  if (values.store !== undefined && values.baseline !== undefined) throw new UsageError('--store and --baseline both say where snapshots live: give one');
  if (values.endpoint !== undefined && !URL.canParse(values.endpoint)) throw new UsageError(`--endpoint: not a URL: "${values.endpoint}"`);
  const clouds = parseClouds(values.clouds);
  const skipped = parseSkip(values.skip);
  const region = values.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  const aws = { ...(region ? { region } : {}), ...(values.endpoint ? { endpoint: values.endpoint } : {}) };

  const checks: Check[] = [];
  const report = (...more: Check[]) => {
    for (const check of more) {
      checks.push(check);
      io.stdout.write(format === 'json'
        ? `${JSON.stringify({ ...check, status: check.status.toLowerCase() })}\n`
        : `${checkLine(check)}\n`);
    }
  };

  const file = values.config ?? io.env.NETDRIFT_CONFIG;
  let config: Config;
  try {
    config = await loadConfig(values.config, io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    report(fail('config', undefined, oneLine(error), error.fix), skip('checks', undefined, 'sinks, stores, baselines and readers need a valid config'));
    return finish(format, io, checks);
  }
  report(ok('config', undefined, describeConfig(file, config)));
  const asked = (area: Skippable) => {
    if (skipped.has(area)) report(skip(area, undefined, 'skipped (--skip)'));
    return !skipped.has(area);
  };
  if (asked('sink')) report(...await checkSinks(config, { sendTest: values['send-test'] ?? false, stdout: io.stderr }));
  if (asked('state')) report(await checkStateStore({ location: values.state ?? config.state, cwd: io.cwd, env: io.env, ...aws }));
  // The readers read the accounts the store holds: it is listed even when its checks are skipped.
  let baselines: BaselineReport = { checks: [], scopes: [], baselines: [] };
  if (asked('baseline') || !skipped.has('reader')) {
    const opened = values.store !== undefined
      ? await openSnapshotStore(values.store, { ...aws, cwd: io.cwd })
      : folderStore(values.baseline ?? config.baselines, io.cwd);
    const storeArgs = values.store !== undefined ? ` --store ${values.store}` : values.baseline !== undefined ? ` --baseline ${values.baseline}` : '';
    baselines = await checkBaselines(opened, config.approvalHmacKey, storeArgs);
    if (!skipped.has('baseline')) report(...baselines.checks);
  }
  if (asked('reader')) {
    const readClouds = clouds ?? [...new Set(baselines.scopes.map((scope) => scope.cloud))];
    if (readClouds.length === 0) report(skip('reader', undefined, 'no cloud to read: the snapshot store holds no account (--clouds aws,azure,gcp names them)'));
    else report(...await checkReaders(readClouds, baselines.scopes, baselines.baselines, { env: io.env, ...aws }));
  }
  return finish(format, io, checks);
}

function finish(format: 'text' | 'json', io: CommandIO, checks: readonly Check[]): number {
  if (format === 'text') io.stdout.write(`${summaryLine(checks)}\n`);
  return checks.some((check) => check.status === 'FAIL') ? EXIT.failure : EXIT.ok;
}
