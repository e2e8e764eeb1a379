import type { Request, Response } from '@google-cloud/functions-framework';
import { z } from 'zod';
import { TransientError } from '../../core/errors.js';
import { issueReason } from '../../core/reasons.js';
import { saveCandidate } from '../../snapshots/lifecycle.js';
import { cloudLoggingLog as log } from '../shared/log.js';
import type { GcpFunctionEnvironment } from './environment.js';
import { authenticated, invokerAuthenticator } from './http.js';
import type { GcpRuntime } from './wiring.js';

/** What refresh and reconcile are asked for: all optional (Cloud Scheduler may send an empty body). */
const CaptureRequestSchema = z.object({
  /** The project to capture; default: GOOGLE_CLOUD_PROJECT. */
  project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'expected a project id').optional(),
  /** Regions of the regional resources; default: NETDRIFT_REGIONS, else every region. */
  regions: z.array(z.string().regex(/^[a-z]+-[a-z]+\d+$/, 'expected a region name')).optional(),
}).strict();

function requestOf(req: Request): z.infer<typeof CaptureRequestSchema> | { error: string } {
  const body: unknown = req.body && typeof req.body === 'object' && !(req.body instanceof Uint8Array) ? req.body : {};
  const parsed = CaptureRequestSchema.safeParse(body);
  return parsed.success ? parsed.data : { error: issueReason('request', parsed.error) };
}

/** Captures a project; the failed resource types are logged (and named in the answer). */
async function capture(runtime: GcpRuntime, project: string, regions: string[] | undefined) {
  const wanted = regions?.length ? regions : runtime.regions;
  const result = await runtime.reader.capture({ cloud: 'gcp', account: project }, wanted);
  for (const failure of result.failures) log('error', `capture of ${failure.region} failed`, { project, error: failure.error });
  return { ...result, wanted };
}

type Handler = (runtime: GcpRuntime, project: string, regions: string[] | undefined) => Promise<{ status: number; body: unknown }>;

function captureFunction(env: GcpFunctionEnvironment, runtime: () => Promise<GcpRuntime>, run: Handler) {
  const authenticator = invokerAuthenticator(env);
  return (req: Request, res: Response): Promise<void> => authenticated(req, res, authenticator, async () => {
    const request = requestOf(req);
    if ('error' in request) return { status: 400, body: { error: request.error } };
    return run(await runtime(), request.project ?? env.GOOGLE_CLOUD_PROJECT, request.regions);
  });
}

/**
 * The refresh function (HTTP): captures live state as the project's candidate snapshot. The
 * baseline changes only when a person approves the candidate (`netdrift snapshot approve --store
 * firestore://…`). A capture that missed a resource type saves nothing and answers 503.
 */
export function createRefreshHandler(env: GcpFunctionEnvironment, runtime: () => Promise<GcpRuntime>) {
  return captureFunction(env, runtime, async (deps, project, regions) => {
    const result = await capture(deps, project, regions);
    // A partial capture approved as a baseline would drop what it missed: never save one.
    if (result.failures.length > 0) {
      throw new TransientError(`candidate not saved: ${result.failures.map((f) => `${f.region}: ${f.error}`).join('; ')}`);
    }
    const { sha256 } = await saveCandidate(deps.snapshots, result.snapshot);
    log('info', 'candidate snapshot saved', { project, resources: result.snapshot.resources.length, sha256 });
    return { status: 200, body: { project, resources: result.snapshot.resources.length, sha256, store: deps.store } };
  });
}

/**
 * The reconcile function (HTTP, for Cloud Scheduler): a full capture diffed against the baseline,
 * so drift that no audit log entry reported is found within one interval. A capture that missed a
 * resource type compares nothing and answers 503 (Cloud Scheduler retries), so what it missed is
 * never taken for deleted.
 */
export function createReconcileHandler(env: GcpFunctionEnvironment, runtime: () => Promise<GcpRuntime>) {
  return captureFunction(env, runtime, async (deps, project, regions) => {
    const result = await capture(deps, project, regions);
    if (result.failures.length > 0) {
      throw new TransientError(`nothing compared: ${result.failures.map((f) => `${f.region}: ${f.error}`).join('; ')}`);
    }
    // Limited to some regions, the rest of the baseline is left as it was.
    const outcome = await deps.pipeline.reconcile(result.snapshot, result.wanted.length > 0 ? { regions: [...result.wanted, 'global'] } : {});
    for (const f of [...outcome.opened, ...outcome.resolved]) log('info', `${f.status} ${f.rule}`, { severity: f.severity, resource: f.resource, fingerprint: f.fingerprint });
    await deps.deliver();
    return { status: 200, body: { project, compared: outcome.compared, opened: outcome.opened.length, resolved: outcome.resolved.length } };
  });
}
