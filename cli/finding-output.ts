import { shortName } from '../core/rules/context.js';
import { consoleUrl } from '../alerts/console-link.js';
import { resolvedState } from '../alerts/resolve-wording.js';
import type { Finding } from '../core/finding.js';
import { cutAt, printable } from '../core/safe-text.js';
import type { Severity } from '../core/severity.js';
import { paint, type Colour } from './io.js';

/** The JSON-lines form of a finding (replay, snapshot diff): a contract scripts rely on. */
export function findingRecord(finding: Finding): Record<string, unknown> {
  return {
    status: finding.status, rule: finding.rule, severity: finding.severity,
    cloud: finding.cloud, account: finding.account, region: finding.region, kind: finding.kind,
    resource: finding.resource, item: finding.item, fingerprint: finding.fingerprint,
    eventId: finding.eventId, eventIds: finding.eventIds, operation: finding.operation, eventTime: finding.eventTime,
    actor: finding.actor, summary: finding.summary, hint: finding.hint,
    ...(finding.baseline !== undefined ? { baseline: finding.baseline } : {}),
    ...(finding.observed !== undefined ? { observed: finding.observed } : {}),
    ...(finding.clockSkew ? { clockSkew: finding.clockSkew } : {}),
    ...(finding.resolvedBy ? { resolvedBy: finding.resolvedBy } : {}),
    ...linkOf(finding),
  };
}

/** Where to look at the resource: its cloud console page. */
function linkOf(finding: Finding): { link?: string } {
  const link = consoleUrl(finding);
  return link ? { link } : {};
}

/** One cell: printable (a finding stored before its text was made safe may hold control characters), cut to `width`. */
function cut(text: string, width: number): string {
  const safe = printable(text);
  return safe.length <= width ? safe : `${cutAt(safe, width - 1)}…`;
}

/** How a severity and a status stand out on a terminal that takes colour. */
const SEVERITY_COLOUR: Record<Severity, Colour | undefined> = { critical: 'red', high: 'magenta', medium: 'yellow', low: 'cyan', info: undefined };

/** The status and severity cells in colour; padding is measured on the plain text first. */
function paintCell(column: number, padded: string, finding: Finding): string {
  if (column === 0) return paint(true, finding.status === 'open' ? 'bold' : 'green', padded);
  const colour = column === 1 ? SEVERITY_COLOUR[finding.severity] : undefined;
  return colour ? paint(true, colour, padded) : padded;
}

/**
 * A readable table of findings for a terminal; `colour` (the caller's `io.colour?.stdout`) marks the
 * status and severity, never on a pipe or with NO_COLOR.
 */
export function findingsTable(findings: readonly Finding[], colour = false): string {
  if (findings.length === 0) return 'no findings\n';
  const rows = findings.map((f) => [
    `${f.status === 'open' ? 'OPEN' : 'RESOLVED'}${f.suppressed ? '*' : ''}`, f.severity.toUpperCase(), f.rule,
    // A resolved row says what the resource is now, never the drift it had (which reads as if it still had it).
    cut(`${f.cloud}:${f.account}`, 40), cut(shortName(f.resource), 40), cut(f.status === 'resolved' ? resolvedState(f) : f.summary, 90),
  ]);
  const header = ['STATUS', 'SEVERITY', 'RULE', 'ACCOUNT', 'RESOURCE', 'SUMMARY'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[], finding?: Finding) => cells
    .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
    .map((c, i) => (colour && finding ? paintCell(i, c, finding) : c)).join('  ').trimEnd();
  const note = findings.some((f) => f.suppressed) ? '* suppressed: an expected change, recorded and not sent\n' : '';
  return [line(header), ...rows.map((row, i) => line(row, findings[i]))].join('\n') + '\n' + note;
}
