#!/usr/bin/env node
import { ConfigError, NetdriftError, oneLine } from '../core/errors.js';
import { catalogCommand } from './commands/catalog.js';
import { demoCommand } from './commands/demo.js';
import { doctorCommand } from './commands/doctor.js';
import { findingsCommand } from './commands/findings.js';
import { outboxCommand } from './commands/outbox.js';
import { replayCommand } from './commands/replay.js';
import { serveCommand } from './commands/serve.js';
import { snapshotCommand } from './commands/snapshot.js';
import { EXIT, type CommandIO } from './io.js';
import { USAGE, UsageError } from './usage.js';

const COMMANDS: Record<string, (args: string[], io: CommandIO) => Promise<number>> = {
  demo: demoCommand,
  replay: replayCommand,
  serve: serveCommand,
  catalog: catalogCommand,
  snapshot: snapshotCommand,
  outbox: outboxCommand,
  findings: findingsCommand,
  doctor: doctorCommand,
};

/** Runs one command line; returns the exit code. Errors become one line on stderr. */
export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    (name ? io.stdout : io.stderr).write(`${USAGE}\n`);
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(`unknown command "${name}"`);
    return await command(args, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.stderr.write(`netdrift: ${oneLine(error)}\n`);
      if (error instanceof UsageError) io.stderr.write('Run `netdrift help` for usage.\n');
      return EXIT.usage;
    }
    io.stderr.write(`netdrift: ${error instanceof NetdriftError ? oneLine(error) : String(error instanceof Error ? error.stack : error)}\n`);
    return EXIT.failure;
  }
}

// The AWS SDK warns on every run that its 2027 releases need Node 22; the README says so once.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
process.exitCode = code;
