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

/** The configuration (file or environment) is invalid. */
export class ConfigError extends NetdriftError {}

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

/** First line of an error's message, for one-line reports. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n', 1)[0] ?? '';
}
