// One Lambda execution environment for a built bundle, as the Node.js runtime runs it: the module is
// imported once (init), then each invocation calls the exported `handler(event, context)` in the same
// process (warm). Started by test/support/lambda-container.ts with fork(); talks over IPC.
// https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [bundle, handlerName = 'handler'] = process.argv.slice(2);

function errorBody(error) {
  const e = error instanceof Error ? error : new Error(String(error));
  return { errorType: e.name, errorMessage: e.message, trace: (e.stack ?? '').split('\n') };
}

const initStart = performance.now();
let handler;
try {
  const module = await import(pathToFileURL(bundle).href);
  handler = module[handlerName];
  if (typeof handler !== 'function') throw new TypeError(`${bundle} exports no function "${handlerName}"`);
  process.send({ type: 'ready', initMs: performance.now() - initStart });
} catch (error) {
  process.send({ type: 'init-error', error: errorBody(error) });
  process.exitCode = 1;
}

if (handler) {
  process.on('message', async (message) => {
    if (message?.type !== 'invoke') return;
    const deadline = Date.now() + (message.timeoutMs ?? 60_000);
    const context = {
      ...message.context,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    const start = performance.now();
    try {
      const result = await handler(message.event, context);
      process.send({ type: 'result', id: message.id, result: result ?? null, durationMs: performance.now() - start, rss: process.memoryUsage.rss() });
    } catch (error) {
      process.send({ type: 'result', id: message.id, error: errorBody(error), durationMs: performance.now() - start, rss: process.memoryUsage.rss() });
    }
  });
  process.on('disconnect', () => process.exit(0));
}
