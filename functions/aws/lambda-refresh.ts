import { withLambdaLogging } from './lambda-log.js';
import { createRefreshHandler } from './refresh.js';

/** The Lambda entry point (bundled to dist/aws/refresh/index.mjs): configuration from the environment, logs through Powertools. */
export const handler = withLambdaLogging(createRefreshHandler(process.env));
