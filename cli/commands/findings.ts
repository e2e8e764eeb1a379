import { loadConfig } from '../config-file.js';
import { findingRecord, findingsTable } from '../finding-output.js';
import { EXIT, type CommandIO } from '../io.js';
import { findingsHtml, findingsMarkdown } from '../report.js';
import { openStateFile, stateSource } from '../runtime.js';
import { oneOf, parseCommand, UsageError } from '../usage.js';

/** `netdrift findings list`: the findings in the state file, suppressed ones included and marked. */
export async function findingsCommand(args: string[], io: CommandIO): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'list') throw new UsageError(`findings: expected list${action ? `, got "${action}"` : ''}`, { help: true });
  const { values } = parseCommand(rest, { state: { type: 'string' }, status: { type: 'string' }, format: { type: 'string' } });
  const format = oneOf('format', values.format, ['text', 'json', 'markdown', 'html'], 'text');
  const status = values.status === undefined ? undefined : oneOf('status', values.status, ['open', 'resolved'], 'open');
  const config = await loadConfig(values.config, io.env);
  const store = openStateFile(values.state ?? config.state, stateSource(values.state, io.env), { readonly: true });
  try {
    const findings = await store.listFindings(status ? { status } : {});
    if (format === 'json') {
      for (const f of findings) io.stdout.write(`${JSON.stringify({ ...findingRecord(f), ...(f.suppressed ? { suppressed: f.suppressed } : {}) })}\n`);
    } else if (format === 'markdown' || format === 'html') {
      const context = { title: `netdrift findings${status ? ` (${status})` : ''}`, subtitle: `${findings.length} finding(s) in ${values.state ?? config.state}`, generatedAt: new Date().toISOString() };
      io.stdout.write(format === 'markdown' ? findingsMarkdown(findings, context) : findingsHtml(findings, context));
    } else {
      io.stdout.write(findingsTable(findings, io.colour?.stdout));
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
