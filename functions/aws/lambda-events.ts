import { createEventsHandler } from './events.js';

/** The Lambda entry point (bundled to dist/aws/events/index.mjs): configuration from the environment. */
export const handler = createEventsHandler(process.env);
