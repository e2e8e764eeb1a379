import { createReconcileHandler } from './reconcile.js';

/** The Lambda entry point (bundled to dist/aws/reconcile/index.mjs): configuration from the environment. */
export const handler = createReconcileHandler(process.env);
