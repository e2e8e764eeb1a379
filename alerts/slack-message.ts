import type { Finding } from '../core/finding.js';
import type { FindingGroup } from '../core/ports.js';
import {
  actorLines, alertTitle, changeLines, consoleLinkLabel, consoleUrl, findingLine, findingTimes, groupFindingLine, groupHeadline,
  hintText, isMisconfigured, mostUrgentFirst, PAYLOAD_RESOLVE_NOTE, resolvedState, truncateText, whereLines,
} from './message.js';

/**
 * The Slack Block Kit message for a finding (pure), kept inside Slack's limits
 * (https://docs.slack.dev/reference/block-kit/blocks): every piece has a budget, so the
 * whole message stays far below what Slack rejects or truncates.
 */

/** Slack's limits that a message must respect, and our total budget. */
export const SLACK_LIMITS = {
  blocks: 50,
  headerChars: 150,
  sectionChars: 3000,
  fields: 10,
  fieldChars: 2000,
  contextElements: 10,
  contextChars: 3000,
  /** Our own ceiling on all text in a message; Slack truncates long messages around 13k. */
  totalChars: 12_000,
} as const;

/** Budgets of each piece (escaped), chosen so their sum stays well under `totalChars`. */
const BUDGET = { text: 500, summary: 2000, value: 700, line: 300, hint: 1000, url: 1500 } as const;

export interface SlackPlainText { type: 'plain_text'; text: string }
export interface SlackMrkdwn { type: 'mrkdwn'; text: string }
export type SlackBlock =
  | { type: 'header'; text: SlackPlainText }
  | { type: 'section'; text: SlackMrkdwn }
  | { type: 'section'; fields: SlackMrkdwn[] }
  | { type: 'context'; elements: SlackMrkdwn[] };

/** What `SlackSink` posts: a notification fallback `text` and the blocks. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * `raw`, escaped for mrkdwn, in at most `max` characters: truncated before escaping so that
 * an entity is never cut in half.
 */
export function fitMrkdwn(raw: string, max: number): string {
  const escaped = escapeMrkdwn(raw);
  if (escaped.length <= max) return escaped;
  let low = 0;
  let high = raw.length;
  let best = '';
  while (low <= high) {
    const keep = Math.floor((low + high) / 2);
    const candidate = escapeMrkdwn(truncateText(raw, keep));
    if (candidate.length <= max) {
      best = candidate;
      low = keep + 1;
    } else {
      high = keep - 1;
    }
  }
  return best;
}

const fit = (raw: string, max: number = BUDGET.line): string => fitMrkdwn(raw, max);

function field(title: string, lines: readonly string[]): SlackMrkdwn {
  return { type: 'mrkdwn', text: [`*${title}*`, ...lines].join('\n') };
}

function linkElement(finding: Finding): SlackMrkdwn[] {
  const url = consoleUrl(finding);
  // Our URLs are built from encoded ids; a pathological one is left out rather than cut.
  if (!url || url.length > BUDGET.url || /[<>|\s]/.test(url)) return [];
  return [{ type: 'mrkdwn', text: `<${escapeMrkdwn(url)}|${consoleLinkLabel(finding.cloud)}>` }];
}

function openBlocks(finding: Finding): SlackBlock[] {
  const change = changeLines(finding, BUDGET.value);
  const [account, resource] = whereLines(finding);
  return [
    { type: 'header', text: { type: 'plain_text', text: truncateText(alertTitle(finding), SLACK_LIMITS.headerChars) } },
    { type: 'section', text: { type: 'mrkdwn', text: fit(finding.summary || finding.rule, BUDGET.summary) } },
    {
      type: 'section',
      fields: [
        field('What changed', [`Baseline: ${fit(change.baseline, BUDGET.value)}`, `Observed: ${fit(change.observed, BUDGET.value)}`]),
        field('Who', actorLines(finding.actor).map((line) => fit(line))),
        field('Where', [fit(account), fit(resource)]),
        timeField('Opened at', finding.openedAt, finding.eventTime),
      ],
    },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `*Hint:* ${fit(hintText(finding), BUDGET.hint)}` }, ...linkElement(finding)],
    },
  ];
}

/**
 * A processing time with the time of the change behind it, as a field:
 * `*Opened at*` / `2026-12-02T09:00:02Z` / `changed at 2026-12-02T09:00:00Z`.
 */
function timeField(title: string, at: string, changedAt: string | undefined): SlackMrkdwn {
  return field(title, [fit(at), ...(changedAt === undefined ? [] : [`changed at ${fit(changedAt)}`])]);
}

/**
 * What a resolve says: what the resource is now (and how sure we are) above the drift it was opened
 * for, or, for netdrift's own setup, what was fixed.
 */
function resolvedText(finding: Finding, account: string): string {
  if (isMisconfigured(finding)) return `*Fixed:* ${fit(finding.summary, BUDGET.summary)}\nnetdrift checks ${fit(account)} again.`;
  const text = `*Now:* ${fit(resolvedState(finding), BUDGET.summary)}.\n*Opened for:* ${fit(finding.summary, BUDGET.summary)}`;
  return finding.resolvedBy === 'payload' ? `${text}\n_${PAYLOAD_RESOLVE_NOTE}: no reader read the resource back._` : text;
}

function resolvedBlocks(finding: Finding): SlackBlock[] {
  const [account, resource] = whereLines(finding);
  const link = linkElement(finding);
  const times = findingTimes(finding);
  return [
    { type: 'header', text: { type: 'plain_text', text: truncateText(alertTitle(finding), SLACK_LIMITS.headerChars) } },
    { type: 'section', text: { type: 'mrkdwn', text: resolvedText(finding, account) } },
    {
      type: 'section',
      fields: [
        field('Resolved by', actorLines(finding.actor).map((line) => fit(line))),
        field('Where', [fit(account), fit(resource)]),
        timeField('Resolved at', times.resolved ?? finding.eventTime, times.resolveChangedAt),
        timeField('Opened at', times.opened, times.openChangedAt),
      ],
    },
    ...(link.length ? [{ type: 'context' as const, elements: link }] : []),
  ];
}

/** The Slack message for a finding: an alert when open; when resolved, what the resource is now. */
export function slackMessage(finding: Finding): SlackMessage {
  const blocks = finding.status === 'resolved' ? resolvedBlocks(finding) : openBlocks(finding);
  return { text: fit(`${alertTitle(finding)}: ${findingLine(finding)}`, BUDGET.text), blocks };
}

/** The line ending a storm message that could not list every finding. */
function moreFindingsText(count: number): string {
  return `… and ${count} more (see \`netdrift findings list\`)`;
}

/**
 * One message for a storm (pure): a header with the group's highest severity and
 * `N findings from <cause>` (`Resolved: N findings …` when all are resolves), then one section per
 * finding, most urgent first (`[HIGH] route.removed — rtb-0a1: …`, resolved ones as `Resolved: …`
 * saying what the resource is now). As many findings as
 * fit in Slack's limits are listed; a closing context block counts the rest.
 */
export function slackGroupMessage(group: FindingGroup): SlackMessage {
  const title = groupHeadline(group);
  const text = fit(title, BUDGET.text);
  const header = truncateText(title, SLACK_LIMITS.headerChars);
  const findings = mostUrgentFirst(group.findings);
  // Room is kept for the closing block (header + sections + it), at the largest count it can show.
  const maxSections = SLACK_LIMITS.blocks - 2;
  let chars = text.length + header.length + moreFindingsText(findings.length).length;
  const sections: SlackBlock[] = [];
  for (const finding of findings) {
    const line = fit(groupFindingLine(finding), BUDGET.line);
    if (sections.length === maxSections || chars + line.length > SLACK_LIMITS.totalChars) break;
    sections.push({ type: 'section', text: { type: 'mrkdwn', text: line } });
    chars += line.length;
  }
  const left = findings.length - sections.length;
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: header } },
      ...sections,
      ...(left > 0 ? [{ type: 'context' as const, elements: [{ type: 'mrkdwn' as const, text: moreFindingsText(left) }] }] : []),
    ],
  };
}

/** Every text in a message, for counting. */
function texts(message: SlackMessage): string[] {
  const all = [message.text];
  for (const block of message.blocks) {
    if (block.type === 'header') all.push(block.text.text);
    else if (block.type === 'context') all.push(...block.elements.map((e) => e.text));
    else if ('fields' in block) all.push(...block.fields.map((f) => f.text));
    else all.push(block.text.text);
  }
  return all;
}

/** What in `message` breaks `SLACK_LIMITS`, one line per problem; empty when it is within them. */
export function slackLimitViolations(message: SlackMessage): string[] {
  const problems: string[] = [];
  const over = (what: string, length: number, max: number): void => {
    if (length > max) problems.push(`${what}: ${length} > ${max}`);
  };
  over('blocks', message.blocks.length, SLACK_LIMITS.blocks);
  message.blocks.forEach((block, i) => {
    if (block.type === 'header') over(`block ${i} header text`, block.text.text.length, SLACK_LIMITS.headerChars);
    else if (block.type === 'context') {
      over(`block ${i} context elements`, block.elements.length, SLACK_LIMITS.contextElements);
      block.elements.forEach((e, j) => over(`block ${i} element ${j}`, e.text.length, SLACK_LIMITS.contextChars));
    } else if ('fields' in block) {
      over(`block ${i} fields`, block.fields.length, SLACK_LIMITS.fields);
      block.fields.forEach((f, j) => over(`block ${i} field ${j}`, f.text.length, SLACK_LIMITS.fieldChars));
    } else over(`block ${i} section text`, block.text.text.length, SLACK_LIMITS.sectionChars);
  });
  over('total text', texts(message).reduce((sum, text) => sum + text.length, 0), SLACK_LIMITS.totalChars);
  return problems;
}
