#!/usr/bin/env node
import { ConfigError, NetdriftError, oneLine } from '../core/errors.js';
import { colourAllowed, endQuietlyOnBrokenPipe, EXIT, type CommandIO } from './io.js';
import { helpText, helpTopic, subcommands, UsageError } from './usage.js';

type Command = (args: string[], io: CommandIO) => Promise<number>;

/**
 * Each command is loaded when it is run (the build splits them into chunks): `snapshot diff` does
 * not parse the cloud SDKs that `serve` or `snapshot capture` need, and `--help` parses none.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  demo: async () => (await import('./commands/demo.js')).demoCommand,
  replay: async () => (await import('./commands/replay.js')).replayCommand,
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  catalog: async () => (await import('./commands/catalog.js')).catalogCommand,
  snapshot: async () => (await import('./commands/snapshot.js')).snapshotCommand,
  outbox: async () => (await import('./commands/outbox.js')).outboxCommand,
  findings: async () => (await import('./commands/findings.js')).findingsCommand,
  doctor: async () => (await import('./commands/doctor.js')).doctorCommand,
};

/** Options every command takes, taken out before the command parses its own. */
const GLOBAL_FLAGS: Record<string, 'quiet' | 'verbose' | 'help'> = {
  '--quiet': 'quiet', '-q': 'quiet', '--verbose': 'verbose', '-v': 'verbose', '--help': 'help', '-h': 'help',
};

/** The command line without the global flags, and which were given (anywhere before a `--`). */
function globalFlags(argv: readonly string[]): { args: string[]; quiet: boolean; verbose: boolean; help: boolean } {
  const end = argv.includes('--') ? argv.indexOf('--') : argv.length;
  const given = new Set(argv.slice(0, end).map((arg) => GLOBAL_FLAGS[arg]).filter(Boolean));
  const args = [...argv.slice(0, end).filter((arg) => !GLOBAL_FLAGS[arg]), ...argv.slice(end)];
  // `netdrift --config FILE snapshot diff …`: a config given before the command goes to the command's options.
  const leading = args[0] === '--config' ? 2 : args[0]?.startsWith('--config=') ? 1 : 0;
  if (leading === 0 || args.length <= leading) return { args, quiet: given.has('quiet'), verbose: given.has('verbose'), help: given.has('help') };
  const rest = args.slice(leading);
  const at = rest.includes('--') ? rest.indexOf('--') : rest.length;
  const moved = [...rest.slice(0, at), ...args.slice(0, leading), ...rest.slice(at)];
  return { args: moved, quiet: given.has('quiet'), verbose: given.has('verbose'), help: given.has('help') };
}

/** What the clouds' SDKs throw when no credential could be had at all (AWS, Azure Identity, Google auth). */
const NO_CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'CredentialUnavailableError', 'AggregateAuthenticationError']);

/**
 * The command failed because no credential could be had (anywhere in the `cause` chain): the
 * operator's setup to fix, exit 2 like a bad setting. Its line already names what to do.
 */
function lacksCredentials(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth += 1) {
    if (NO_CREDENTIAL_ERRORS.has(e.name) || e.message.startsWith('Could not load the default credentials')) return true;
  }
  return false;
}

/** Where a command line writes; `main` adds the verbosity and colour the flags and environment ask for. */
export type Streams = Pick<CommandIO, 'stdout' | 'stderr' | 'env' | 'cwd'>;

/** Runs one command line; returns the exit code. Errors become one line on stderr. */
export async function main(argv: string[], streams: Streams): Promise<number> {
  const { args, quiet, verbose, help } = globalFlags(argv);
  const io: CommandIO = {
    ...streams, quiet, verbose,
    colour: { stdout: colourAllowed(streams.stdout, streams.env), stderr: colourAllowed(streams.stderr, streams.env) },
  };
  const [name, ...rest] = args;
  const topic = helpTopic(name === 'help' ? rest : args);
  try {
    if (quiet && verbose) throw new UsageError('--quiet and --verbose exclude each other: give one', { help: true });
    if (!name) {
      (help ? io.stdout : io.stderr).write(`${helpText([])}\n`);
      return help ? EXIT.ok : EXIT.usage;
    }
    const command = COMMANDS[name];
    if (name === 'help' || help) {
      if (name !== 'help' && !command) throw new UsageError(`unknown command "${name}"`, { help: true });
      if (name === 'help' && rest[0] && topic.length === 0) throw new UsageError(`unknown command "${rest[0]}"`, { help: true });
      io.stdout.write(`${helpText(topic)}\n`);
      return EXIT.ok;
    }
    if (!command) throw new UsageError(`unknown command "${name}"`, { help: true });
    const subs = subcommands(name);
    if (subs.length > 0 && !subs.includes(rest[0] ?? '')) {
      const expected = subs.length <= 2 ? subs.join(' or ') : `one of ${subs.join(', ')}`;
      throw new UsageError(`${name}: expected ${expected}${rest[0] ? `, got "${rest[0]}"` : ''}`, { help: true });
    }
    return await (await command())(rest, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError || lacksCredentials(error)) {
      const hint = error instanceof UsageError && error.help ? ` (try netdrift ${[...topic, '--help'].join(' ')})` : '';
      io.stderr.write(`netdrift: ${oneLine(error)}${hint}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`netdrift: ${error instanceof NetdriftError ? oneLine(error) : String(error instanceof Error ? error.stack : error)}\n`);
    return EXIT.failure;
  }
}

// The AWS SDK warns on every run that its 2027 releases need Node 22; the README says so once.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
endQuietlyOnBrokenPipe(process.stdout);
endQuietlyOnBrokenPipe(process.stderr);
const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
process.exitCode = code;
