import { loadConfig } from '../config-file.js';
import { createHttpServer, deliveryRoutes } from '../http-server.js';
import { EXIT, type CommandIO } from '../io.js';
import { createRuntime } from '../runtime.js';
import { parseCommand, UsageError } from '../usage.js';

/** How often the outbox is retried in the background when nothing new arrives. */
const OUTBOX_INTERVAL_MS = 15_000;
/** How long alerts wait for others of the same storm. */
const STORM_GATHER_MS = 1_000;

/**
 * `netdrift serve`: a local HTTP endpoint for deliveries, state in a SQLite file, alerts to the
 * configured sinks. Runs until SIGINT/SIGTERM.
 */
export async function serveCommand(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseCommand(args, {
    port: { type: 'string' }, host: { type: 'string' }, baseline: { type: 'string' }, state: { type: 'string' },
  });
  const port = Number(values.port ?? '8787');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: expected a port number, got "${values.port}"`);
  const config = await loadConfig(values.config, io.env);
  const log = (line: string): void => { io.stderr.write(`${line}\n`); };
  const runtime = await createRuntime({
    config, send: true, warn: (line) => log(`warning: ${line}`), stdout: io.stdout,
    stateFile: values.state ?? config.state, ...(values.baseline ? { baselines: values.baseline } : {}),
  });
  let draining: Promise<void> | undefined;
  const drain = () => {
    draining ??= runtime.deliver()
      .then((report) => { for (const f of report.failed) log(`alert not sent to ${f.sink} (${f.rule}): ${f.error}`); })
      .catch((error: unknown) => log(`outbox: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => { draining = undefined; });
  };
  // Alerts go out a moment after the delivery that opened them, so that a storm arriving as many
  // deliveries waits in the outbox together and is grouped (config `storm`).
  let scheduled: NodeJS.Timeout | undefined;
  const drainSoon = () => {
    scheduled ??= setTimeout(() => { scheduled = undefined; drain(); }, STORM_GATHER_MS);
  };
  const server = createHttpServer(deliveryRoutes(runtime.pipeline, drainSoon), log);
  const timer = setInterval(drain, OUTBOX_INTERVAL_MS);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, values.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  log(`netdrift serving on http://${values.host ?? '127.0.0.1'}:${typeof address === 'object' && address ? address.port : port}`);
  drain();
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  clearInterval(timer);
  if (scheduled) clearTimeout(scheduled);
  drain();
  await new Promise((resolve) => server.close(resolve));
  await draining;
  await runtime.close();
  return EXIT.ok;
}
