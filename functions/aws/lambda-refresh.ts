import { createRefreshHandler } from './refresh.js';

/** The Lambda entry point (bundled to dist/aws/refresh/index.mjs): configuration from the environment. */
export const handler = createRefreshHandler(process.env);
