import { app } from '@azure/functions';
import { createEventsHandler } from './events.js';
import { createReconcileHandler } from './reconcile.js';
import { createRefreshHandler, refreshAuth } from './refresh.js';
import { azureRuntime } from './wiring.js';

/**
 * The Function App's entry point (bundled to dist/azure/app.mjs, the package's `main`): the v4
 * programming model registers each function when the worker loads this file. Settings come from
 * the app settings (Key Vault references already resolved by the platform), checked here: a bad
 * one fails the start in one line naming it. One runtime (stores, clients, sinks) serves all three.
 */
const runtime = azureRuntime(process.env);

app.http('events', {
  methods: ['POST', 'OPTIONS'], authLevel: 'anonymous', route: 'events',
  handler: createEventsHandler(process.env, runtime),
});

app.http('refresh', {
  methods: ['POST'], authLevel: refreshAuth(process.env).authLevel, route: 'refresh',
  handler: createRefreshHandler(process.env, runtime),
});

// The host reads the schedule from the app setting (%…%), so it changes without a deployment.
app.timer('reconcile', {
  schedule: '%NETDRIFT_RECONCILE_SCHEDULE%', runOnStartup: false, useMonitor: true,
  handler: createReconcileHandler(process.env, runtime),
});
