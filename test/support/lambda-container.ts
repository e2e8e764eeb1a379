import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUNTIME = fileURLToPath(new URL('./lambda-runtime.mjs', import.meta.url));

/** What the Lambda runtime reports for a failed invocation (the `FunctionError` payload). */
export interface LambdaError {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

export interface Invocation<R> {
  result?: R;
  error?: LambdaError;
  durationMs: number;
  /** The container's resident memory after the invocation, in bytes. */
  rss: number;
}

type RuntimeMessage =
  | { type: 'ready'; initMs: number }
  | { type: 'init-error'; error: LambdaError }
  | ({ type: 'result'; id: string } & Invocation<unknown>);

/** The path of a built function bundle, as the build writes it (`dist/aws/<name>/index.mjs`). */
export function bundlePath(cloud: 'aws', name: string): string {
  return `${ROOT}dist/${cloud}/${name}/index.mjs`;
}

/**
 * A Lambda execution environment for one built bundle: a fresh Node process (nothing of the test's
 * process, no TypeScript loader) that imports the bundle once and is invoked many times, warm, with
 * the event and context the platform passes. Logs (stdout and stderr) are kept for assertions.
 */
export class LambdaContainer {
  readonly logs: string[] = [];
  initMs = 0;
  private readonly pending = new Map<string, (message: Invocation<unknown>) => void>();

  private constructor(private readonly child: ChildProcess, private readonly functionName: string, private readonly region: string) {
    const keep = (chunk: Buffer) => this.logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('message', (message: RuntimeMessage) => {
      if (message.type !== 'result') return;
      this.pending.get(message.id)?.(message);
      this.pending.delete(message.id);
    });
  }

  /**
   * Starts the environment: resolves once the bundle's init finished, rejects with the init error
   * (a bundle that cannot start fails the test that starts it).
   */
  static async start(options: {
    bundle: string; functionName: string; environment: Record<string, string>; region?: string;
  }): Promise<LambdaContainer> {
    if (!existsSync(options.bundle)) throw new Error(`${options.bundle} is missing: run \`npm run build\``);
    const region = options.region ?? options.environment.AWS_REGION ?? 'us-east-1';
    const child = fork(RUNTIME, [options.bundle], {
      execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: {
        PATH: process.env.PATH ?? '',
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', AWS_LAMBDA_FUNCTION_NAME: options.functionName,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512', AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand', AWS_REGION: region, AWS_DEFAULT_REGION: region,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...options.environment,
      },
    });
    const container = new LambdaContainer(child, options.functionName, region);
    const outcome = await new Promise<RuntimeMessage>((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`${options.bundle}: the process exited (${code}) during init:\n${container.logs.join('\n')}`)));
    });
    if (outcome.type === 'init-error') {
      await container.stop();
      throw new Error(`${options.bundle}: init failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
    }
    if (outcome.type === 'ready') container.initMs = outcome.initMs;
    return container;
  }

  /** One invocation with the context Lambda passes; resolves with the result or the function error. */
  invoke<R = unknown>(event: unknown, account = '123456789012'): Promise<Invocation<R>> {
    const id = randomUUID();
    const context = {
      awsRequestId: id, functionName: this.functionName, functionVersion: '$LATEST', memoryLimitInMB: '512',
      invokedFunctionArn: `arn:aws:lambda:${this.region}:${account}:function:${this.functionName}`,
      logGroupName: `/aws/lambda/${this.functionName}`, logStreamName: `2026/12/02/[$LATEST]${id.replace(/-/g, '')}`,
    };
    return new Promise((resolve, reject) => {
      this.pending.set(id, resolve as (message: Invocation<unknown>) => void);
      this.child.send({ type: 'invoke', id, event, context }, (error) => error && reject(error));
    });
  }

  /** Invokes and returns the result, throwing the function error as the platform would report it. */
  async call<R = unknown>(event: unknown, account?: string): Promise<R> {
    const outcome = await this.invoke<R>(event, account);
    if (outcome.error) throw new Error(`${this.functionName}: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
    return outcome.result as R;
  }

  /** Log lines parsed as JSON (the functions log one JSON object per line); other lines are skipped. */
  jsonLogs(): Record<string, unknown>[] {
    return this.logs.flatMap((line) => {
      try {
        const parsed = JSON.parse(line) as unknown;
        return typeof parsed === 'object' && parsed !== null ? [parsed as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}
