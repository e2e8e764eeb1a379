import { oneLine, type OperatorError } from './errors.js';
import { findingFingerprint, type Finding } from './finding.js';
import { outboxEntries, type AlertPolicy } from './finding-transitions.js';
import type { StateStore } from './ports.js';
import type { ResourceKind, Scope } from './resource.js';

export const MISCONFIGURED_RULE = 'netdrift.misconfigured';

/**
 * Stores key findings by resource; a misconfiguration is about a whole account, so its findings are
 * kept under one fixed key per account: this kind, with the account itself as the resource (no
 * console link is made for it, and messages name the account and the file at fault instead).
 */
export const MISCONFIGURED_KIND: ResourceKind = 'route-table';

/**
 * The `netdrift.misconfigured` finding for an operator error: critical, one per account and cause
 * (fingerprinted on cloud, account, rule and cause), saying what is wrong, where, and the fix.
 */
export function misconfiguredFinding(scope: Scope, error: OperatorError, eventId: string, now: string): Finding {
  const fingerprint = findingFingerprint({ cloud: scope.cloud, account: scope.account, rule: MISCONFIGURED_RULE, resource: scope.account, item: error.code });
  return {
    rule: MISCONFIGURED_RULE, severity: 'critical', kind: MISCONFIGURED_KIND, resource: scope.account, region: 'global', item: error.code,
    summary: `netdrift cannot check ${scope.cloud}/${scope.account} (${error.code}): ${oneLine(error)}`,
    hint: error.fix,
    observed: { cause: error.code, ...(error.location === undefined ? {} : { location: error.location }) },
    fingerprint, status: 'open', cloud: scope.cloud, account: scope.account,
    operation: 'netdrift', eventId, eventIds: [eventId], actor: { principal: 'netdrift' }, eventTime: now, openedAt: now,
  };
}

export interface MisconfigurationOptions {
  state: StateStore;
  policy: AlertPolicy;
  now: () => Date;
  /** Where the one loud line per account and cause goes. */
  log: (line: string) => void;
  /** How often an account that works is checked for misconfigured findings to resolve (another worker may have opened one). */
  recheckMs: number;
}

/**
 * The `netdrift.misconfigured` findings of the accounts one process sees (DESIGN.md, "Errors: one
 * meaning each"): an operator error logs one line naming the fix and opens one finding per account
 * and cause, committed with its outbox entries like any finding; once the account works again its
 * open ones resolve. When the state store itself is what is missing, the finding is recorded (opened
 * and resolved) as soon as the store answers again, so that the outage is still on record.
 */
export class Misconfigurations {
  /** Account and cause → the finding raised in this process (recorded or not). */
  private readonly raised = new Map<string, { finding: Finding; recorded: boolean }>();
  private readonly checkedAt = new Map<string, number>();

  constructor(private readonly options: MisconfigurationOptions) {}

  /** Logs and records an operator error of an account; the finding when this call opened it. */
  async raise(scope: Scope, error: OperatorError, eventId: string): Promise<Finding | undefined> {
    const account = `${scope.cloud}/${scope.account}`;
    this.checkedAt.delete(account);
    const key = `${account}/${error.code}`;
    if (this.raised.has(key)) return undefined;
    const finding = misconfiguredFinding(scope, error, eventId, this.options.now().toISOString());
    const entry = { finding, recorded: false };
    this.raised.set(key, entry);
    let opened: Finding | undefined;
    let unrecorded = '';
    try {
      const open = await this.options.state.openFindings(scope, MISCONFIGURED_KIND, scope.account);
      if (!open.some((f) => f.fingerprint === finding.fingerprint)) {
        await this.options.state.commit({ processed: [], observed: [], findings: [finding], outbox: outboxEntries([finding], [], this.options.policy) });
        opened = finding;
      }
      entry.recorded = true;
    } catch (storeError) {
      unrecorded = ` (the ${MISCONFIGURED_RULE} finding is recorded once the state store answers: ${oneLine(storeError)})`;
    }
    this.options.log(`${MISCONFIGURED_RULE} ${account}: ${oneLine(error)} — fix: ${error.fix}; its events are retried until then${unrecorded}`);
    return opened;
  }

  /**
   * The account worked (its baseline loaded, its event committed): resolves its open misconfigured
   * findings. Checked at once after an error in this process, else at most once per `recheckMs`.
   */
  async settle(scope: Scope, eventId: string): Promise<Finding[]> {
    const account = `${scope.cloud}/${scope.account}`;
    const now = this.options.now();
    const mine = [...this.raised].filter(([key]) => key.startsWith(`${account}/`));
    const last = this.checkedAt.get(account);
    if (mine.length === 0 && last !== undefined && now.getTime() - last < this.options.recheckMs) return [];
    const at = now.toISOString();
    const resolve = (f: Finding): Finding => Object.assign({}, f, {
      status: 'resolved' as const, eventId, eventIds: f.eventIds.includes(eventId) ? f.eventIds : [...f.eventIds, eventId], eventTime: at, resolvedAt: at,
    });
    const open = (await this.options.state.openFindings(scope, MISCONFIGURED_KIND, scope.account)).filter((f) => f.rule === MISCONFIGURED_RULE);
    const late = mine.filter(([, entry]) => !entry.recorded).map(([, entry]) => entry.finding)
      .filter((f) => !open.some((o) => o.fingerprint === f.fingerprint));
    const resolved = [...open, ...late].map(resolve);
    if (resolved.length > 0) {
      await this.options.state.commit({ processed: [], observed: [], findings: resolved, outbox: outboxEntries(late, resolved, this.options.policy) });
    }
    for (const [key] of mine) this.raised.delete(key);
    this.checkedAt.set(account, now.getTime());
    return resolved;
  }
}
