import { allCatalogs, deliveryFilters } from '../../adapters/index.js';
import { CLOUDS } from '../../core/resource.js';
import { EXIT, type CommandIO } from '../io.js';
import { oneOf, parseCommand, UsageError } from '../usage.js';

/**
 * `netdrift catalog`: the watched operations, from the same tables the adapters parse with;
 * `--format filter` prints the cloud's delivery filter generated from them, for deployment.
 */
export async function catalogCommand(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseCommand(args, { cloud: { type: 'string' }, format: { type: 'string' } });
  const format = oneOf('format', values.format, ['text', 'json', 'filter'], 'text');
  const cloud = values.cloud === undefined ? undefined : oneOf('cloud', values.cloud, CLOUDS, 'aws');
  if (format === 'filter') {
    if (!cloud) throw new UsageError('--format filter needs --cloud (aws: EventBridge pattern, azure: Event Grid filters, gcp: Log Router filter)');
    const filter = deliveryFilters[cloud]();
    io.stdout.write(`${typeof filter === 'string' ? filter : JSON.stringify(filter, null, 2)}\n`);
    return EXIT.ok;
  }
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
