import { parseArgs, type ParseArgsConfig } from 'node:util';
import { NetdriftError } from '../core/errors.js';

/**
 * A command line that cannot be run as given: exit 2 with the reason. `help`: the line ends with
 * where to read the command's usage (an unknown option, command or subcommand).
 */
export class UsageError extends NetdriftError {
  constructor(message: string, options?: { cause?: unknown; help?: boolean }) {
    super(message, options);
    this.help = options?.help ?? false;
  }

  readonly help: boolean;
}

export const USAGE = `netdrift — network drift detection for AWS, Azure and GCP

Usage:
  netdrift demo                          run the bundled sample baseline and events
  netdrift replay [--baseline DIR] [--observed DIR] [--live-reads azure,gcp] [--state FILE] [--format text|json] [--send] PATH...
  netdrift serve [--port N] [--host H] [--baseline DIR] [--state FILE] [--secret S] [--log-format text|json]
                 [--event-grid-secret S] [--entra-tenant T --entra-audience A]
                 [--pubsub-audience URL --pubsub-service-account EMAIL] [--jwks-file FILE]
                 [--gcp-subscription projects/P/subscriptions/S [--gcp-max-messages N]] [--live-reads azure,gcp]
  netdrift catalog [--cloud aws|azure|gcp] [--format text|json|filter]
  netdrift snapshot capture --cloud aws --account ID --regions r1,r2 [STORE] [--endpoint URL] [--role NAME [--external-id ID]]
  netdrift snapshot capture --cloud azure (--account SUBSCRIPTION-ID | --management-group MG) [--regions r1,r2] [STORE] [--endpoint ARM-URL]
  netdrift snapshot capture --cloud gcp (--account PROJECT-ID | --organization ID | --folder ID) [--regions r1,r2] [STORE] [--endpoint URL]
  netdrift snapshot refresh --cloud aws --account ID [--function NAME|ARN] [--regions r1,r2] [--region R] [--endpoint URL]
  netdrift snapshot refresh --local ...                  (as capture, on this machine)
  netdrift snapshot show    --cloud C --account ID [STORE] [--candidate]
  netdrift findings list    [--state FILE] [--status open|resolved] [--format text|json|markdown|html]
  netdrift outbox list      [--state FILE] [--rejected] [--format text|json]
  netdrift outbox redrive   [--state FILE] [--id ID]...
  netdrift snapshot diff    --cloud C --account ID [STORE] [--format text|json|markdown|html] [--exit-code [SEVERITY]]
  netdrift snapshot approve --cloud C --account ID [STORE] [--by NAME (default: your OS user)] [--reason TEXT]
  netdrift snapshot history --cloud C --account ID [STORE] [--format text|json]
  netdrift doctor [STORE] [--state FILE|dynamodb://T|aztable://A/T|firestore://P] [--clouds aws,azure,gcp]
                  [--region R] [--endpoint URL] [--send-test] [--skip sink,state,baseline,reader] [--format text|json]

Every command takes --config FILE (JSON or YAML; also NETDRIFT_CONFIG), --quiet (errors only on stderr),
--verbose (per-record detail on stderr) and --help (that command's usage).
Colour only on a terminal, never with NO_COLOR set (FORCE_COLOR=1 forces it).
STORE is --baseline DIR, or --store s3://bucket/prefix | azblob://account/container/prefix
  | firestore://PROJECT[/DATABASE][?prefix=P] | file://DIR | DIR
(S3: --region R, --endpoint URL; azblob: AZURE_STORAGE_CONNECTION_STRING, else az login / managed identity;
firestore: Application Default Credentials, FIRESTORE_EMULATOR_HOST).
Live reads: Azure as az login / managed identity (NETDRIFT_ARM_ENDPOINT); GCP with Application Default
Credentials (NETDRIFT_GCP_ENDPOINT, NETDRIFT_GCP_ACCESS_TOKEN for a static token).
Exit codes: 0 ok, 1 failure, 2 usage or setup error, 3 some input rejected (the rest processed);
snapshot diff --exit-code: 1 when there is drift at or above SEVERITY (default info: any drift).`;

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses a command's arguments; unknown options and missing values are usage errors. */
export function parseCommand<O extends Options>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { ...options, config: { type: 'string' } }, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(parseArgsReason(error), { cause: error, help: true });
  }
}

/** node:util's parseArgs messages, as one short line each (they suggest `--` and end with a period). */
function parseArgsReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? '';
  switch ((error as { code?: string }).code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': return `unknown option ${quoted}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': return `unexpected argument "${quoted}"`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return message.includes('does not take an argument') ? `${quoted} takes no value` : `${quoted.replace(/ <value>$/, '')} needs a value`;
    default: return message.split('\n', 1)[0] ?? message;
  }
}

/** One of a fixed set of values for an option, or a usage error naming the option. */
export function oneOf<T extends string>(option: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${option}: expected one of ${allowed.join(', ')}, got "${value}"`);
}

export function required(option: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`--${option} is required`);
  return value;
}

/** The usage lines of `topic` (`['replay']`, `['snapshot', 'diff']`), with their continuation lines. */
function usageLines(topic: readonly string[]): string[] {
  const prefix = `  netdrift ${topic.join(' ')}`;
  const lines: string[] = [];
  let inside = false;
  for (const line of USAGE.split('\n')) {
    if (line.startsWith('  netdrift ')) inside = line === prefix || line.startsWith(`${prefix} `);
    else if (!/^ {3,}\S/.test(line)) inside = false;
    if (inside) lines.push(line);
  }
  return lines;
}

/** The subcommands the usage lists for `name` (`snapshot` → capture, refresh, show, diff, approve), in order. */
export function subcommands(name: string): string[] {
  const subs = USAGE.split('\n').map((line) => /^ {2}netdrift (\S+) ([a-z]+)\b/.exec(line)).filter((m) => m?.[1] === name).map((m) => m?.[2] ?? '');
  return [...new Set(subs)];
}

/**
 * The command and subcommand `argv` names, as far as the usage knows them: `['snapshot', 'diff']`
 * for `snapshot diff --cloud aws`, `['replay']` for `replay x.json`, `[]` for an unknown command.
 */
export function helpTopic(argv: readonly string[]): string[] {
  const [name, sub] = argv;
  if (!name || usageLines([name]).length === 0) return [];
  return sub && !sub.startsWith('-') && usageLines([name, sub]).length > 0 ? [name, sub] : [name];
}

/** Footnotes of the full usage a command's help repeats when its usage lines mention their key. */
const HELP_NOTES: ReadonlyArray<[RegExp, string]> = [
  [/STORE/, 'STORE is --baseline DIR, or --store s3://bucket/prefix | azblob://account/container/prefix\n'
    + '  | firestore://PROJECT[/DATABASE][?prefix=P] | file://DIR | DIR'],
  [/--live-reads/, 'Live reads: Azure as az login / managed identity (NETDRIFT_ARM_ENDPOINT); GCP with Application Default\n'
    + 'Credentials (NETDRIFT_GCP_ENDPOINT, NETDRIFT_GCP_ACCESS_TOKEN for a static token).'],
  [/--exit-code/, 'snapshot diff --exit-code: exit 1 when there is drift at or above SEVERITY (default info: any drift).'],
];

/** `netdrift <topic> --help`: the topic's usage lines, the options every command takes, the exit codes. */
export function helpText(topic: readonly string[]): string {
  if (topic.length === 0) return USAGE;
  const lines = usageLines(topic);
  const notes = HELP_NOTES.filter(([key]) => lines.some((line) => key.test(line))).map(([, note]) => note);
  return ['Usage:', ...lines, '', ...notes, ...(notes.length > 0 ? [''] : []),
    'Options of every command: --config FILE (JSON or YAML; also NETDRIFT_CONFIG), --quiet (errors only on stderr),',
    '--verbose (per-record detail on stderr), --help.',
    'Exit codes: 0 ok, 1 failure, 2 usage or setup error, 3 some input rejected (the rest processed).'].join('\n');
}
