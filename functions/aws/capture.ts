import type { Context } from 'aws-lambda';
import { ConfigError } from '../../core/errors.js';
import type { CaptureResult } from '../../core/ports.js';
import { log } from '../shared/log.js';
import type { AwsRuntime } from './wiring.js';

/** What a refresh or reconcile is asked for: all optional (a schedule sends its own event). */
export interface CaptureRequest {
  /** The account to capture; default: the scheduled event's `account`, else the function's own. */
  account?: string;
  regions?: string[];
}

/** The account a capture is for: the request's, else the function's own (from its ARN). */
export function accountOf(request: CaptureRequest | undefined, context: Pick<Context, 'invokedFunctionArn'> | undefined): string {
  const account = request?.account ?? context?.invokedFunctionArn?.split(':')[4];
  if (!account) throw new ConfigError('no account: pass {"account": "…"} or invoke the function by its ARN');
  return account;
}

/** Captures an account across the configured regions, logging each region that failed. */
export async function captureAccount(runtime: AwsRuntime, account: string, regions?: string[]): Promise<CaptureResult & { covered: string[] }> {
  const wanted = regions?.length ? regions : runtime.regions;
  const result = await runtime.reader.capture({ cloud: 'aws', account }, wanted);
  for (const failure of result.failures) log('error', `capture of ${failure.region} failed`, { account, error: failure.error });
  const failed = new Set(result.failures.map((f) => f.region));
  const covered = [...wanted, 'global'].filter((r) => !failed.has(r));
  return { ...result, covered };
}
