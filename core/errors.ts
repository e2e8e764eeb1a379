/**
 * One small error hierarchy. Every error names what was wrong and where, in one line,
 * and keeps the original as `cause`.
 */
export class NetdriftError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input from outside (an event, a snapshot, an HTTP body) could not be understood. */
export class ParseError extends NetdriftError {}

/**
 * What an operator must fix, one code per kind of cause: a stored baseline that does not parse, that
 * belongs to another account, or that does not match its approval; a table or bucket that is not
 * there; access denied; bad configuration.
 */
export const OPERATOR_CAUSES = [
  'baseline-invalid', 'baseline-scope', 'baseline-signature', 'store-missing', 'access-denied', 'config-invalid',
] as const;
export type OperatorCause = (typeof OPERATOR_CAUSES)[number];

/**
 * netdrift cannot do its job until a person fixes its setup (DESIGN.md, "Errors: one meaning each"):
 * the delivery is retried so nothing is lost, one loud line names `fix`, and the account gets one
 * `netdrift.misconfigured` finding per `code`. `location` names the file, object or table at fault.
 */
export class OperatorError extends NetdriftError {
  readonly location: string | undefined;

  constructor(
    readonly code: OperatorCause,
    message: string,
    /** What to do about it, in one line. */
    readonly fix: string,
    options?: { cause?: unknown; location?: string },
  ) {
    super(message, options);
    this.location = options?.location;
  }
}

/** The configuration (file or environment) is invalid: an operator error. */
export class ConfigError extends OperatorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('config-invalid', message, 'correct the setting it names', options);
  }
}

/** An optimistic-concurrency write lost: someone else wrote first. */
export class ConflictError extends NetdriftError {}

/**
 * A failure that may pass (throttling, a store or API briefly unavailable): the delivery
 * fails so that the platform retries it.
 */
export class TransientError extends NetdriftError {}

/** Reading live state failed for a reason a retry will not fix (access denied, bad id). */
export class PermanentReadError extends NetdriftError {}

/** An alert could not be delivered by a sink. `retryable` says whether trying again may help. */
export class DeliveryError extends NetdriftError {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The four meanings an error can have, each handled one way by every entry point: bad input is
 * acknowledged and reported, never retried; transient and operator errors are retried (an operator
 * error also logs its fix and opens `netdrift.misconfigured`); a bug is retried with its stack logged.
 */
export type ErrorClass = 'bad-input' | 'transient' | 'operator' | 'bug';

/** What an error means (DESIGN.md, "Errors: one meaning each"). A lost race is transient. */
export function classify(error: unknown): ErrorClass {
  if (error instanceof ParseError) return 'bad-input';
  if (error instanceof TransientError || error instanceof ConflictError) return 'transient';
  if (error instanceof OperatorError) return 'operator';
  return 'bug';
}

/** First line of an error's message, for one-line reports. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n', 1)[0] ?? '';
}
