import { allCatalogs } from '../../adapters/index.js';
import { CLOUDS } from '../../core/resource.js';
import { EXIT, type CommandIO } from '../io.js';
import { oneOf, parseCommand } from '../usage.js';

/** `netdrift catalog`: the watched operations, from the same tables the adapters parse with. */
export async function catalogCommand(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseCommand(args, { cloud: { type: 'string' }, format: { type: 'string' } });
  const format = oneOf('format', values.format, ['text', 'json'], 'text');
  const cloud = values.cloud === undefined ? undefined : oneOf('cloud', values.cloud, CLOUDS, 'aws');
  const rows = allCatalogs.filter((row) => !cloud || row.cloud === cloud);
  if (format === 'json') {
    for (const row of rows) io.stdout.write(`${JSON.stringify(row)}\n`);
    return EXIT.ok;
  }
  const table = rows.map((r) => [r.cloud, r.operation, r.kind, r.action, r.payload]);
  const header = ['CLOUD', 'OPERATION', 'KIND', 'ACTION', 'PAYLOAD'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] ?? '').length)));
  for (const cells of [header, ...table]) io.stdout.write(`${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}\n`);
  io.stdout.write(`${rows.length} operations\n`);
  return EXIT.ok;
}
