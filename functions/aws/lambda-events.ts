import { withLambdaLogging } from './lambda-log.js';
import { createEventsHandler } from './events.js';

/** The Lambda entry point (bundled to dist/aws/events/index.mjs): configuration from the environment, logs through Powertools. */
export const handler = withLambdaLogging(createEventsHandler(process.env));
