import { withLambdaLogging } from './lambda-log.js';
import { createReconcileHandler } from './reconcile.js';

/** The Lambda entry point (bundled to dist/aws/reconcile/index.mjs): configuration from the environment, logs through Powertools. */
export const handler = withLambdaLogging(createReconcileHandler(process.env));
