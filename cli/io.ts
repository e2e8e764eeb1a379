/** A stream a command writes to; `isTTY` says whether a person is watching it. */
export type OutputStream = NodeJS.WritableStream & { isTTY?: boolean };

/**
 * Where a command writes, and how much: injectable so tests and the demo can capture it.
 * stdout carries the command's result (findings, JSON lines), whatever the verbosity; stderr
 * carries errors always, warnings and progress unless `quiet`, per-record detail only when `verbose`.
 */
export interface CommandIO {
  stdout: OutputStream;
  stderr: OutputStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** `--quiet`: stderr carries errors only (no warnings, progress or notices). Optional: absent is false. */
  quiet?: boolean;
  /** `--verbose`: per-record detail on stderr (what was skipped as a duplicate or stale, and where). */
  verbose?: boolean;
  /** Whether each stream may carry ANSI colour ({@link colourAllowed}); absent: no colour. */
  colour?: { stdout: boolean; stderr: boolean };
}

export const EXIT = { ok: 0, failure: 1, usage: 2, rejected: 3 } as const;

/** An error line (`error: …` is the caller's to add): written whatever the verbosity. */
export function error(io: CommandIO, line: string): void {
  io.stderr.write(`${line}\n`);
}

/** `warning: line` on stderr, unless `--quiet`. */
export function warn(io: CommandIO, line: string): void {
  if (!io.quiet) io.stderr.write(`${paint(io.colour?.stderr ?? false, 'yellow', 'warning:')} ${line}\n`);
}

/** A status line on stderr (what was captured, sent, listened on), unless `--quiet`. */
export function notice(io: CommandIO, line: string): void {
  if (!io.quiet) io.stderr.write(`${line}\n`);
}

/** Per-record detail on stderr, only with `--verbose`. */
export function detail(io: CommandIO, line: string): void {
  if (io.verbose) io.stderr.write(`${line}\n`);
}

/** Where progress bars and lines go: stderr, or nowhere under `--quiet`. */
export function progressStream(io: CommandIO): OutputStream {
  return io.quiet ? DISCARD : io.stderr;
}

const DISCARD: OutputStream = {
  write: () => true, isTTY: false,
} as unknown as OutputStream;

/**
 * Colour on a stream: never when `NO_COLOR` is set to anything but "" (https://no-color.org), always
 * when `FORCE_COLOR` is set and not "0" or "false", otherwise only on a terminal whose TERM is not "dumb".
 */
export function colourAllowed(stream: OutputStream, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return stream.isTTY === true && env.TERM !== 'dumb';
}

const SGR = { red: 31, yellow: 33, green: 32, magenta: 35, cyan: 36, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof SGR;

/** `text` in `colour` when `enabled`, else as it is: callers pass `io.colour?.stdout` or `.stderr`. */
export function paint(enabled: boolean, colour: Colour, text: string): string {
  return enabled ? `\x1b[${SGR[colour]}m${text}\x1b[0m` : text;
}

/**
 * A reader that stops reading (`netdrift … | head`) is not an error: on EPIPE the process ends at
 * once with exit 0 and says nothing (as `yes | head` does), instead of dying on the unhandled
 * 'error' event with a stack trace. Other stream errors keep their usual course.
 */
export function endQuietlyOnBrokenPipe(stream: NodeJS.WritableStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
    throw err;
  });
}
