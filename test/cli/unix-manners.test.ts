import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { subcommands, USAGE } from '../../cli/usage.js';
import { ROOT, runCli, type CliResult } from '../support/cli.js';

/** Every command and subcommand the usage lists (`snapshot diff`, `doctor`, …), as argv. */
const TOPICS = [...new Set(USAGE.split('\n')
  .map((line) => /^ {2}netdrift ([a-z]+)(?: ([a-z]+)\b)?/.exec(line))
  .filter((m): m is RegExpExecArray => m !== null)
  .flatMap((m) => (m[2] ? [m[1] ?? '', `${m[1]} ${m[2]}`] : [m[1] ?? ''])))];

/** The built CLI with stdout a pipe this test controls; resolves with the exit code and stderr. */
function runWithReader(args: string[], onStdout: (stdout: NodeJS.ReadableStream & { destroy(): void }) => void, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli/netdrift.js'), ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  onStdout(child.stdout);
  return new Promise<{ code: number | null; stderr: string }>((done) => child.on('close', (code) => done({ code, stderr })));
}

// Each case starts the built CLI (a few hundred ms alone, seconds on a busy machine): one at a time, with room.
const SLOW = 60_000;

describe('--help on every command and subcommand', () => {
  it('the usage lists the commands this test walks through', () => {
    expect(TOPICS).toEqual(expect.arrayContaining([
      'demo', 'replay', 'serve', 'catalog', 'snapshot', 'snapshot capture', 'snapshot diff', 'snapshot approve', 'findings list', 'outbox redrive',
    ]));
    expect(subcommands('snapshot')).toEqual(expect.arrayContaining(['capture', 'refresh', 'show', 'diff', 'approve']));
  });

  it.each(TOPICS)('netdrift %s --help: its usage on stdout, exit 0', async (topic) => {
    const result = await runCli([...topic.split(' '), '--help']);

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(new RegExp(`^Usage:\\n  netdrift ${topic}\\b`));
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('Exit codes: 0 ok, 1 failure, 2 usage or setup error, 3 some input rejected (the rest processed).');
  }, SLOW);

  it('-h, --help after other arguments and `netdrift help CMD` print the same', async () => {
    const help = await runCli(['replay', '--help']);
    const short = await runCli(['replay', '-h']);
    const late = await runCli(['replay', '--baseline', 'nowhere', 'events.json', '--help']);
    const named = await runCli(['help', 'replay']);

    expect(help.stdout).toContain('netdrift replay [--baseline DIR]');
    expect(help.stdout).not.toContain('netdrift serve');
    for (const other of [short, late, named]) expect(other).toEqual(help);
  }, SLOW);

  it('netdrift --help is the whole usage on stdout; netdrift alone is the usage on stderr, exit 2', async () => {
    const help = await runCli(['--help']);
    const bare = await runCli([]);

    expect(help).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: '' });
    expect(bare).toEqual({ code: 2, stdout: '', stderr: `${USAGE}\n` });
  }, SLOW);
});

describe('unknown options and commands: exit 2, one line with a hint', () => {
  it.each([
    [['replay', '--nope', 'events.json'], 'netdrift: unknown option --nope (try netdrift replay --help)'],
    [['snapshot', 'diff', '--cloud', 'aws', '--account', '111122223333', '--bogus'], 'netdrift: unknown option --bogus (try netdrift snapshot diff --help)'],
    [['catalog', '--format'], 'netdrift: --format needs a value (try netdrift catalog --help)'],
    [['catalog', 'aws'], 'netdrift: unexpected argument "aws" (try netdrift catalog --help)'],
    [['findings', 'list', '--status=open', '--json'], 'netdrift: unknown option --json (try netdrift findings list --help)'],
    [['outbox', 'purge'], 'netdrift: outbox: expected list or redrive, got "purge" (try netdrift outbox --help)'],
    [['findings'], 'netdrift: findings: expected list (try netdrift findings --help)'],
    [['snapshot', 'promote'], `netdrift: snapshot: expected one of ${subcommands('snapshot').join(', ')}, got "promote" (try netdrift snapshot --help)`],
    [['deploy'], 'netdrift: unknown command "deploy" (try netdrift --help)'],
    [['deploy', '--help'], 'netdrift: unknown command "deploy" (try netdrift --help)'],
    [['--quiet', '--verbose', 'catalog'], 'netdrift: --quiet and --verbose exclude each other: give one (try netdrift catalog --help)'],
  ])('netdrift %j', async (args, line) => {
    expect(await runCli(args)).toEqual({ code: 2, stdout: '', stderr: `${line}\n` });
  }, SLOW);
});

describe('a reader that stops reading (EPIPE)', () => {
  it('catalog --format json into a reader that closes after the first chunk: exit 0, nothing on stderr', async () => {
    let chunks = 0;
    const result = await runWithReader(['catalog', '--format', 'json'], (stdout) => {
      stdout.once('data', () => { chunks += 1; stdout.destroy(); });
    });

    expect(chunks).toBe(1);
    expect(result).toEqual({ code: 0, stderr: '' });
  }, SLOW);

  // A reader gone before the first write: the write fails for certain (the case above races the pipe's buffer).
  it('catalog --format json into a reader closed before the first write: exit 0, nothing on stderr', async () => {
    const result = await runWithReader(['catalog', '--format', 'json'], (stdout) => stdout.destroy());

    expect(result).toEqual({ code: 0, stderr: '' });
  }, SLOW);

  it('demo into a closed reader: exit 0, nothing on stderr', async () => {
    expect(await runWithReader(['demo'], (stdout) => stdout.destroy())).toEqual({ code: 0, stderr: '' });
  }, SLOW);
});

describe('colour, --quiet and --verbose on `netdrift demo`', () => {
  const ESC = '\x1b[';
  const sgr = (code: number) => `${ESC}${code}m`;
  const plainText = (text: string) => text.replace(new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g'), '');
  /** The demo into a pipe, with nothing set: what every other case is compared with. */
  let plain: CliResult;
  beforeAll(async () => { plain = await runCli(['demo']); }, SLOW);

  it('a pipe gets no colour, and stderr stays empty', () => {
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/OPEN\s+CRITICAL\s+route\.target-changed/);
    expect(plain.stdout).not.toContain(ESC);
    expect(plain.stderr).toBe('');
  });

  it('FORCE_COLOR=1 colours statuses and severities, padded as without', async () => {
    const coloured = await runCli(['demo'], { env: { FORCE_COLOR: '1' } });

    expect(coloured.stdout).toContain(`${sgr(1)}OPEN    ${sgr(0)}  ${sgr(31)}CRITICAL${sgr(0)}  route.target-changed`);
    expect(coloured.stdout).toContain(`${sgr(32)}RESOLVED${sgr(0)}  ${sgr(31)}CRITICAL${sgr(0)}`);
    expect(coloured.stdout).toContain(`${sgr(35)}HIGH    ${sgr(0)}  private-endpoint.deleted`);
    expect(plainText(coloured.stdout)).toBe(plain.stdout);
  }, SLOW);

  // util-linux's `script` gives the CLI a pseudo-terminal, as a person's shell does.
  it.skipIf(!existsSync('/usr/bin/script'))('a terminal gets colour, unless NO_COLOR is set', async () => {
    const onTerminal = (env: Record<string, string>) => new Promise<string>((done, fail) => {
      execFile('/usr/bin/script', ['-qec', `'${process.execPath}' '${join(ROOT, 'dist/cli/netdrift.js')}' demo`, '/dev/null'],
        { env: { PATH: process.env.PATH ?? '', TERM: 'xterm', ...env } }, (error, stdout) => (error ? fail(error) : done(stdout)));
    });

    const coloured = await onTerminal({});
    const plain = await onTerminal({ NO_COLOR: '1' });

    expect(coloured).toContain(`${sgr(31)}CRITICAL${sgr(0)}`);
    expect(plain).toMatch(/OPEN\s+CRITICAL\s+route\.target-changed/);
    expect(plain).not.toContain(sgr(31));
    expect(plain).not.toContain(sgr(1));
  }, SLOW);

  it('NO_COLOR wins over FORCE_COLOR; NO_COLOR set empty does not count (no-color.org)', async () => {
    const off = await runCli(['demo'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    const empty = await runCli(['demo'], { env: { FORCE_COLOR: '1', NO_COLOR: '' } });

    expect(off.stdout).toBe(plain.stdout);
    expect(empty.stdout).toContain(ESC);
  }, SLOW);

  it('--verbose adds one stderr line per record, naming its event and what became of it; stdout as without', async () => {
    const verbose = await runCli(['demo', '--verbose']);

    expect(verbose.stdout).toBe(plain.stdout);
    const lines = verbose.stderr.trim().split('\n');
    expect(lines.length).toBe(Number(/^(\d+) events:/m.exec(plain.stdout)?.[1]));
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^demo: \S+: duplicate$/), expect.stringMatching(/^demo: \S+: applied$/)]));
  }, SLOW);

  it('--quiet before the command and -q after it keep stdout and leave stderr empty', async () => {
    expect(await runCli(['--quiet', 'demo'])).toEqual({ code: 0, stdout: plain.stdout, stderr: '' });
    expect(await runCli(['demo', '-q'])).toEqual({ code: 0, stdout: plain.stdout, stderr: '' });
  }, SLOW);
});
