import { oneLine, OperatorError } from '../core/errors.js';
import type { IndexedBaseline } from '../core/baseline-cache.js';
import type { SnapshotStore, StateStore } from '../core/ports.js';
import type { Scope } from '../core/resource.js';
import type { HealthCheck } from './http-server.js';

/** How often a server that is not ready tries its baselines again (on a `/healthz` request), at most. */
const RETRY_MS = 1_000;
/** Accounts named in the startup summary before "and N more". */
const NAMED = 5;

type BaselinesState = { ready: true; accounts: string[] } | { ready: false; reason: string };

/** An account's baseline read and trusted as the pipeline uses it (`Pipeline.loadBaseline`); throws when it may not be used. */
export type BaselineLoad = (scope: Scope) => Promise<IndexedBaseline | undefined>;

/**
 * Whether `serve` can do its work (issue 13, "a supervisor can trust serve"): every approved
 * baseline in the folder read, parsed and trusted by the pipeline itself (DESIGN.md, "Trust"),
 * and the state store answering. Until then `GET /healthz` answers 503 with the reason; a
 * baseline that could not be used is tried again, at most once a second, when asked.
 */
export class ServeReadiness {
  private baselines: BaselinesState | undefined;
  private loading: Promise<BaselinesState> | undefined;
  private lastAttempt = 0;

  constructor(
    private readonly store: Pick<SnapshotStore, 'list'>,
    /** Through the pipeline's cache: the baselines are loaded once, for readiness and events alike (issue 12). */
    private readonly loadBaseline: BaselineLoad,
    private readonly state: StateStore,
    /** The folder, as the operator named it. */
    private readonly folder: string,
  ) {}

  /** Reads every baseline once (again, after a failure); resolves with what it found. */
  load(): Promise<BaselinesState> {
    this.loading ??= this.readAll()
      .catch((error: unknown): BaselinesState => ({
        ready: false, reason: error instanceof OperatorError ? `${oneLine(error)} — fix: ${error.fix}` : oneLine(error),
      }))
      .then((state) => {
        this.baselines = state;
        this.lastAttempt = Date.now();
        this.loading = undefined;
        return state;
      });
    return this.loading;
  }

  /** `GET /healthz`. */
  readonly health: HealthCheck = async () => {
    const baselines = this.baselines;
    if (!baselines) return { ready: false, reason: `loading the baselines in ${this.folder}` };
    if (!baselines.ready) {
      if (Date.now() - this.lastAttempt >= RETRY_MS) void this.load();
      return baselines;
    }
    try {
      await this.state.isProcessed('netdrift:healthz');
    } catch (error) {
      return { ready: false, reason: `state store: ${oneLine(error)}` };
    }
    return { ready: true, baselines: baselines.accounts };
  };

  /** The baselines part of the startup summary. */
  summary(): string {
    const baselines = this.baselines;
    if (!baselines) return `baselines in ${this.folder}: loading`;
    if (!baselines.ready) return `baselines NOT READY (/healthz answers 503): ${baselines.reason}`;
    const named = baselines.accounts.slice(0, NAMED).join(', ');
    const more = baselines.accounts.length > NAMED ? ` and ${baselines.accounts.length - NAMED} more` : '';
    return `baselines ${named}${more} (${baselines.accounts.length} in ${this.folder})`;
  }

  private async readAll(): Promise<BaselinesState> {
    const accounts: string[] = [];
    // One at a time, so that the load's garbage is of one baseline at most; each stays in the
    // pipeline's cache, where its events find it.
    for (const scope of await this.store.list()) {
      if (!(await this.loadBaseline(scope))) continue;
      accounts.push(`${scope.cloud}/${scope.account}`);
    }
    if (accounts.length === 0) {
      return { ready: false, reason: `no approved baseline in ${this.folder}: events yield no findings until one is (netdrift snapshot capture, then approve)` };
    }
    return { ready: true, accounts };
  }
}
