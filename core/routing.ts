import type { Config, RouteConfig, SuppressionConfig } from './config.js';
import type { Finding } from './finding.js';
import type { AlertPolicy } from './finding-transitions.js';
import { atLeast } from './severity.js';

/** A glob (`*` any run of characters, `?` one) as an anchored, case-sensitive pattern. */
export function globPattern(glob: string): RegExp {
  const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

const globs = new Map<string, RegExp>();
function matchesGlob(glob: string, text: string): boolean {
  let pattern = globs.get(glob);
  if (!pattern) globs.set(glob, (pattern = globPattern(glob)));
  return pattern.test(text);
}

function routeMatches(match: RouteConfig['match'], finding: Finding): boolean {
  if (match.minSeverity && !atLeast(finding.severity, match.minSeverity)) return false;
  if (match.clouds && !match.clouds.includes(finding.cloud)) return false;
  if (match.accounts && !match.accounts.includes(finding.account)) return false;
  if (match.rules && !match.rules.some((rule) => matchesGlob(rule, finding.rule))) return false;
  if (match.kinds && !match.kinds.includes(finding.kind)) return false;
  if (match.tags && !Object.entries(match.tags).every(([key, value]) => finding.tags?.[key] === value)) return false;
  return true;
}

/**
 * The sinks a finding goes to (DESIGN.md: routing as data). Routes are evaluated in order and every
 * matching one adds its sinks, until a matching `final` route; a finding no route matches goes to
 * `defaultSinks`, or (with no routes or no default) to each sink whose `minSeverity` it reaches.
 * Each sink at most once. A resolve keeps its finding's rule and severity, so it goes where the open went.
 */
export function routeFinding(config: Config, finding: Finding): string[] {
  const chosen = new Set<string>();
  let matched = false;
  for (const route of config.routes) {
    if (!routeMatches(route.match, finding)) continue;
    matched = true;
    for (const sink of route.sinks) chosen.add(sink);
    if (route.final) break;
  }
  if (!matched) {
    const fallback = config.defaultSinks ?? Object.entries(config.sinks)
      .filter(([, sink]) => atLeast(finding.severity, sink.minSeverity)).map(([name]) => name);
    for (const sink of fallback) chosen.add(sink);
  }
  return [...chosen];
}

function suppressionMatches(s: SuppressionConfig, finding: Finding, now: Date): boolean {
  if (Date.parse(s.until) <= now.getTime()) return false;
  if (s.rule && !matchesGlob(s.rule, finding.rule)) return false;
  if (s.resource && !matchesGlob(s.resource, finding.resource)) return false;
  if (s.account && !matchesGlob(s.account, finding.account)) return false;
  if (s.principal && !matchesGlob(s.principal, finding.actor.principal ?? '')) return false;
  return true;
}

/**
 * The suppression (an expected change: a change window, the Terraform deploy role) a finding
 * falls under at `now`, if any: it is then recorded and listed but not sent.
 */
export function suppressionOf(config: Config, finding: Finding, now: Date): Finding['suppressed'] {
  const found = config.suppressions.find((s) => suppressionMatches(s, finding, now));
  return found ? { reason: found.reason, until: found.until } : undefined;
}

/** The pipeline's alert policy from the config: routes, and suppressions judged when a finding opens. */
export function alertPolicy(config: Config): AlertPolicy {
  return {
    route: (finding) => routeFinding(config, finding),
    suppress: (finding) => suppressionOf(config, finding, new Date()),
  };
}
