import { OperatorError, oneLine } from '../../core/errors.js';

/**
 * One line of `netdrift doctor`: what was checked, whether it holds, and (when it does not) what to
 * do. `skip` is a check that could not run because an earlier one failed, or that was not asked for;
 * it never fails the run.
 */
export interface Check {
  status: 'ok' | 'FAIL' | 'skip';
  /** What kind of thing: `config`, `sink`, `state`, `snapshots`, `baseline`, `reader`. */
  area: string;
  /** Which one: a sink's name, `aws/111122223333`, a cloud. */
  name?: string;
  /** What was found, one line, never a secret. */
  detail: string;
  /** What to do about a failure, one line. */
  fix?: string;
}

export function ok(area: string, name: string | undefined, detail: string): Check {
  return { status: 'ok', area, ...(name === undefined ? {} : { name }), detail };
}

export function fail(area: string, name: string | undefined, detail: string, fix: string): Check {
  return { status: 'FAIL', area, ...(name === undefined ? {} : { name }), detail, fix };
}

export function skip(area: string, name: string | undefined, detail: string): Check {
  return { status: 'skip', area, ...(name === undefined ? {} : { name }), detail };
}

/**
 * A failed check from an error: an `OperatorError` carries its own fix (the one the pipeline logs);
 * anything else gets `fix`.
 */
export function failFrom(area: string, name: string | undefined, error: unknown, fix: string): Check {
  if (error instanceof OperatorError) return fail(area, name, oneLine(error), error.fix);
  return fail(area, name, oneLine(error), fix);
}

/** `ok   config  netdrift.yaml (2 sinks)` / `FAIL sink slack  …: what to do`. */
export function checkLine(check: Check): string {
  const what = check.name === undefined ? check.area : `${check.area} ${check.name}`;
  return `${check.status.padEnd(4)} ${what}  ${check.detail}${check.fix ? `: ${check.fix}` : ''}`;
}

/** The last line of the text report. */
export function summaryLine(checks: readonly Check[]): string {
  const failed = checks.filter((c) => c.status === 'FAIL').length;
  const run = checks.filter((c) => c.status !== 'skip').length;
  return failed === 0 ? `all ${run} checks passed` : `${failed} of ${run} checks failed`;
}
