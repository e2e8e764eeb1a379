import { z } from 'zod';
import { NetdriftError, oneLine } from '../core/errors.js';

/** The deployed refresh function's default name: infra names functions `<prefix>-refresh`, prefix `netdrift`. */
export const DEFAULT_REFRESH_FUNCTION = 'netdrift-refresh';

/** What the refresh function returns (functions/aws/refresh.ts `RefreshResult`). */
const RefreshResultSchema = z.object({
  account: z.string().min(1),
  resources: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Where the candidate was written (`s3://bucket/prefix`); absent from functions that predate it. */
  store: z.string().optional(),
});
export type RefreshOutcome = z.infer<typeof RefreshResultSchema>;

/** The payload Lambda returns with `FunctionError` (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html). */
const FunctionErrorSchema = z.object({ errorType: z.string().optional(), errorMessage: z.string() });

export interface InvokeRefreshOptions {
  /** A function name, or its ARN (whose region is then used). */
  functionName: string;
  account: string;
  /** Regions to capture; default: the function's `NETDRIFT_REGIONS`. */
  regions?: string[];
  region?: string;
  /** Points the Lambda client elsewhere (a VPC endpoint, a local stand-in). */
  endpoint?: string;
}

/** `arn:aws:lambda:eu-west-1:111122223333:function:netdrift-refresh` → `eu-west-1`. */
export function regionOfFunction(functionName: string): string | undefined {
  const parts = functionName.split(':');
  return parts[0] === 'arn' && parts[2] === 'lambda' && parts[3] ? parts[3] : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Invokes the deployed refresh function and waits for it (`RequestResponse`): it captures the
 * account as a candidate in the functions' own store. A function error (the capture failed, the
 * account has no role configured) becomes one line naming the function and the error.
 */
export async function invokeRefresh(options: InvokeRefreshOptions): Promise<RefreshOutcome> {
  const name = options.functionName;
  // Loaded here: no other command needs the Lambda client.
  const { InvokeCommand, LambdaClient } = await import('@aws-sdk/client-lambda');
  const region = regionOfFunction(name) ?? options.region;
  const client = new LambdaClient({
    ...(region ? { region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  const payload = { account: options.account, ...(options.regions?.length ? { regions: options.regions } : {}) };
  let output;
  try {
    output = await client.send(new InvokeCommand({
      FunctionName: name, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(JSON.stringify(payload)),
    }));
  } catch (error) {
    // The SDK's own words when no region came from --region, AWS_REGION or the profile.
    if (oneLine(error) === 'Region is missing') throw new NetdriftError(`invoke ${name}: no AWS region: pass --region, set AWS_REGION, or give the function's ARN`, { cause: error });
    const errorName = (error as { name?: string } | undefined)?.name ?? 'Error';
    throw new NetdriftError(`invoke ${name}: ${errorName}: ${oneLine(error)}`, { cause: error });
  } finally {
    client.destroy();
  }
  const text = output.Payload ? new TextDecoder().decode(output.Payload) : '';
  if (output.FunctionError) {
    const failure = FunctionErrorSchema.safeParse(parseJson(text));
    const reason = failure.success
      ? `${failure.data.errorType ?? output.FunctionError}: ${failure.data.errorMessage}`
      : `${output.FunctionError}: ${text.slice(0, 200) || '(no payload)'}`;
    throw new NetdriftError(`refresh function ${name} failed: ${reason}`);
  }
  const result = RefreshResultSchema.safeParse(parseJson(text));
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new NetdriftError(`refresh function ${name}: unexpected result (${issue?.path.join('.') || 'payload'}: ${issue?.message ?? 'invalid'})`);
  }
  if (result.data.account !== options.account) {
    throw new NetdriftError(`refresh function ${name}: captured account ${result.data.account}, not ${options.account}`);
  }
  return result.data;
}
