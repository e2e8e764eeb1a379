import { shortName } from '../core/rules/context.js';
import { consoleUrl } from '../alerts/console-link.js';
import type { Finding } from '../core/finding.js';
import { cutAt, printable } from '../core/safe-text.js';
import { severityRank, SEVERITIES, type Severity } from '../core/severity.js';

/**
 * What a reviewer needs before approving a candidate or reading a findings list: counts per
 * severity, per kind and per rule, and the critical findings by name. Pure: the same findings
 * give the same text, so the formats below are tested as exact output.
 */
export interface FindingsSummary {
  total: number;
  bySeverity: [Severity, number][];
  byKind: [string, number][];
  byRule: [string, number][];
  critical: Finding[];
}

/** What the report is about: shown as its title and subtitle. */
export interface ReportContext {
  title: string;
  /** e.g. `aws/111122223333: candidate sha256 3f2a… against baseline sha256 9b1c…` */
  subtitle?: string;
  /** When it was made (ISO); passed in so that a report is reproducible. */
  generatedAt: string;
}

/** Severity first (critical on top), then rule, resource and item: the order a reviewer reads in. */
export function reviewOrder(a: Finding, b: Finding): number {
  return severityRank(b.severity) - severityRank(a.severity)
    || compare(a.rule, b.rule) || compare(a.resource, b.resource) || compare(a.item, b.item);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Counts, most frequent first (ties by name). */
function counted(values: readonly string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || compare(a[0], b[0]));
}

export function summarize(findings: readonly Finding[]): FindingsSummary {
  const bySeverity = SEVERITIES.slice().reverse()
    .map((severity): [Severity, number] => [severity, findings.filter((f) => f.severity === severity).length])
    .filter(([, count]) => count > 0);
  return {
    total: findings.length,
    bySeverity,
    byKind: counted(findings.map((f) => f.kind)),
    byRule: counted(findings.map((f) => f.rule)),
    critical: findings.filter((f) => f.severity === 'critical').sort(reviewOrder),
  };
}

function countsLine(counts: readonly [string, number][]): string {
  return counts.map(([name, count]) => `${count} ${name}`).join(', ');
}

/** For a terminal, after the table: a few lines, the critical findings named. */
export function summaryText(findings: readonly Finding[]): string {
  const summary = summarize(findings);
  if (summary.total === 0) return 'summary: no drift\n';
  const lines = [
    `summary: ${summary.total} finding(s): ${countsLine(summary.bySeverity)}`,
    `  by kind: ${countsLine(summary.byKind)}`,
    `  by rule: ${countsLine(summary.byRule)}`,
    ...summary.critical.map((f) => `  critical: ${f.rule} ${shortName(f.resource)}: ${printable(f.summary)}`),
  ];
  return lines.join('\n') + '\n';
}

/** A cell of a Markdown table: one line, pipes and backslashes escaped, HTML inert, at most `width` characters. */
function markdownCell(text: string, width = 200): string {
  const line = printable(text).replace(/\s+/g, ' ');
  const short = line.length <= width ? line : `${cutAt(line, width - 1)}…`;
  return short.replace(/[\\|`*_<>[\]]/g, (c) => `\\${c}`);
}

/**
 * For a pull request comment (GitHub-flavoured Markdown): the summary, the critical findings,
 * then every finding in a table. Text from the cloud is escaped, so a record value cannot add
 * markup, links or mentions to the comment.
 */
export function findingsMarkdown(findings: readonly Finding[], context: ReportContext): string {
  const summary = summarize(findings);
  const out: string[] = [`### ${markdownCell(context.title)}`, ''];
  if (context.subtitle) out.push(markdownCell(context.subtitle, 400), '');
  if (summary.total === 0) {
    out.push('**No drift.**', '');
  } else {
    out.push(`**${summary.total} finding(s):** ${countsLine(summary.bySeverity)}`, '');
    out.push(`By kind: ${countsLine(summary.byKind)}  `, `By rule: ${countsLine(summary.byRule)}`, '');
    if (summary.critical.length > 0) {
      out.push('**Critical:**', '');
      for (const f of summary.critical) out.push(`- \`${f.rule}\` ${markdownCell(shortName(f.resource), 80)}: ${markdownCell(f.summary)}`);
      out.push('');
    }
    out.push('| status | severity | rule | account | resource | summary |', '|---|---|---|---|---|---|');
    for (const f of [...findings].sort(reviewOrder)) {
      const link = consoleUrl(f);
      const resource = markdownCell(shortName(f.resource), 80);
      out.push(`| ${f.status}${f.suppressed ? ' (suppressed)' : ''} | ${f.severity} | \`${f.rule}\` | ${markdownCell(`${f.cloud}:${f.account}`, 60)} | `
        + `${link ? `[${resource}](${markdownUrl(link)})` : resource} | ${markdownCell(f.summary)} |`);
    }
    out.push('');
  }
  out.push(`<sub>netdrift, ${markdownCell(context.generatedAt)}</sub>`, '');
  return out.join('\n');
}

/** A link target that cannot end the Markdown link early: parentheses and spaces percent-encoded. */
function markdownUrl(url: string): string {
  return url.replace(/[()\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function html(text: string): string {
  return printable(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1f2328;background:#fff}
h1{font-size:1.4rem;margin:0 0 .25rem}p.sub{color:#59636e;margin:0 0 1.25rem}
.cards{display:flex;gap:.75rem;flex-wrap:wrap;margin-bottom:1.25rem}
.card{border:1px solid #d1d9e0;border-radius:6px;padding:.5rem .9rem;min-width:6rem}
.card b{display:block;font-size:1.5rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #d1d9e0;vertical-align:top}
th{background:#f6f8fa}code{font-size:.85em}
.sev{font-weight:600;border-radius:4px;padding:0 .4rem;color:#fff;white-space:nowrap}
.critical{background:#b3261e}.high{background:#d4651b}.medium{background:#9a6700}.low{background:#0969da}.info{background:#59636e}
.resolved td{color:#59636e}.counts{color:#59636e;margin:.25rem 0}
footer{color:#59636e;margin-top:1.5rem;font-size:.85em}
`;

/**
 * A self-contained HTML report (inline style, no script, no external resource), as driftctl's
 * HTML output is: open it from a CI artifact or attach it to a change review.
 */
export function findingsHtml(findings: readonly Finding[], context: ReportContext): string {
  const summary = summarize(findings);
  const cards = summary.bySeverity.map(([severity, count]) => `<div class="card"><b>${count}</b><span class="sev ${severity}">${severity}</span></div>`);
  const rows = [...findings].sort(reviewOrder).map((f) => {
    const link = consoleUrl(f);
    const resource = html(shortName(f.resource));
    return `<tr class="${f.status}"><td>${f.status}${f.suppressed ? ' (suppressed)' : ''}</td><td><span class="sev ${f.severity}">${f.severity}</span></td>`
      + `<td><code>${html(f.rule)}</code></td><td>${html(`${f.cloud}:${f.account}`)}</td>`
      + `<td>${link ? `<a href="${html(link)}">${resource}</a>` : resource}</td><td>${html(f.summary)}</td></tr>`;
  });
  const body = summary.total === 0
    ? '<p><b>No drift.</b></p>'
    : [
      `<div class="cards"><div class="card"><b>${summary.total}</b>finding(s)</div>${cards.join('')}</div>`,
      `<p class="counts">By kind: ${html(countsLine(summary.byKind))}</p>`,
      `<p class="counts">By rule: ${html(countsLine(summary.byRule))}</p>`,
      '<table><thead><tr><th>status</th><th>severity</th><th>rule</th><th>account</th><th>resource</th><th>summary</th></tr></thead>',
      `<tbody>${rows.join('\n')}</tbody></table>`,
    ].join('\n');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${html(context.title)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>${html(context.title)}</h1>`,
    context.subtitle ? `<p class="sub">${html(context.subtitle)}</p>` : '',
    body,
    `<footer>netdrift, ${html(context.generatedAt)}</footer>`,
    '</body></html>',
    '',
  ].filter((line) => line !== '').join('\n') + '\n';
}
