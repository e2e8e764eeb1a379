import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const WORKER = fileURLToPath(new URL('./functions-worker.mjs', import.meta.url));

/** The built app, as build.mjs writes it: a package whose `main` registers the functions. */
export const AZURE_APP_DIR = `${ROOT}dist/azure`;

/** A function as the app registered it (name and trigger binding, as the host receives them). */
export interface RegisteredFunction {
  name: string;
  trigger: { type: string; name: string; authLevel?: string; methods?: string[]; route?: string; schedule?: string; runOnStartup?: boolean; useMonitor?: boolean };
}

export interface HostReply {
  status: number;
  headers: Headers;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  body: unknown;
}

/**
 * The built Azure Functions app in a fresh Node process (functions-worker.mjs: the Node worker's
 * core module and the host's HTTP front, translating HTTP to the library's invocation model).
 * Every log line of the process is kept.
 */
export class FunctionsHost {
  readonly logs: string[] = [];
  readonly functionKey = randomBytes(16).toString('base64url');
  readonly masterKey = randomBytes(16).toString('base64url');
  url = '';
  functions: RegisteredFunction[] = [];
  /** How long loading the package's `main` (registering every function) took, in ms. */
  initMs = 0;
  private child: ChildProcess | undefined;

  /** Starts the app with these app settings (and nothing else of the test's environment but PATH). */
  static async start(settings: Record<string, string>, appDir = AZURE_APP_DIR): Promise<FunctionsHost> {
    const host = new FunctionsHost();
    await host.launch(settings, appDir);
    return host;
  }

  private launch(settings: Record<string, string>, appDir: string): Promise<void> {
    const child = spawn(process.execPath, [WORKER, appDir], {
      env: { PATH: process.env.PATH ?? '', ...settings, FUNCTIONS_TEST_FUNCTION_KEY: this.functionKey, FUNCTIONS_TEST_MASTER_KEY: this.masterKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    return new Promise((resolve, reject) => {
      const keep = (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
          this.logs.push(line);
          if (line.startsWith('{"host":"init-error"')) reject(new Error(`the app did not start: ${(JSON.parse(line) as { message: string }).message}`));
          if (!line.startsWith('{"host":"ready"')) continue;
          const ready = JSON.parse(line) as { port: number; functions: RegisteredFunction[]; initMs: number };
          this.url = `http://127.0.0.1:${ready.port}`;
          this.functions = ready.functions;
          this.initMs = ready.initMs;
          resolve();
        }
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.on('exit', (code) => reject(new Error(`the app's worker exited (${code ?? 'signal'}): ${this.logs.slice(-5).join(' | ')}`)));
    });
  }

  /** An HTTP request to the app, as Event Grid or a caller makes it. */
  async request(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<HostReply> {
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const response = await fetch(`${this.url}${path}`, {
      method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers }, ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }

  /** Runs a non-HTTP function (the timer) by hand, through the host's admin API with the master key. */
  async run(name: string): Promise<HostReply> {
    return this.request('POST', `/admin/functions/${name}`, { body: { input: '' }, headers: { 'x-functions-key': this.masterKey } });
  }

  /** The JSON log lines the app wrote (not the host's own), from the `from`th line of the process on. */
  appLogs(from = 0): Record<string, unknown>[] {
    return this.logs.slice(from).filter((line) => line.startsWith('{"level"')).map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    child.removeAllListeners('exit');
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}
