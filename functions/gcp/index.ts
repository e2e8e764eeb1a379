import { cloudEvent, http } from '@google-cloud/functions-framework';
import { createReconcileHandler, createRefreshHandler } from './capture.js';
import { parseGcpFunctionEnvironment } from './environment.js';
import { createEventarcHandler, createPushHandler } from './events.js';
import { gcpRuntime } from './wiring.js';

/**
 * The Cloud Run functions (bundled to dist/gcp/index.mjs), one source for all four; each is deployed
 * with its `--entry-point` (the Functions Framework's `--target`):
 * - `events` (CloudEvent): Eventarc, `audit.log.v1.written` or `pubsub.topic.v1.messagePublished`;
 * - `pubsub` (HTTP): Pub/Sub push, OIDC-authenticated;
 * - `refresh`, `reconcile` (HTTP): on demand and for Cloud Scheduler, OIDC-authenticated.
 * Configuration from the environment, validated at the instance's start.
 */
const env = parseGcpFunctionEnvironment(process.env);
const runtime = gcpRuntime(env);

cloudEvent('events', createEventarcHandler(runtime));
http('pubsub', createPushHandler(env, runtime));
http('refresh', createRefreshHandler(env, runtime));
http('reconcile', createReconcileHandler(env, runtime));
