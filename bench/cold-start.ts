import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * Cold start of each function bundle: its size, and the wall time of a fresh `node` that imports it
 * (module init + handler construction) against a fresh `node -e 0`, medians of several runs.
 */
const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 9);
const ENV = {
  PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1',
  NETDRIFT_SNAPSHOT_BUCKET: 'bench-bucket', NETDRIFT_STATE_TABLE: 'bench-table',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function wallMs(args: string[]): number {
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr.toString().split('\n', 1)[0]}`);
    runs.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(runs);
}

interface Metafile { outputs: Record<string, { inputs: Record<string, unknown> }> }

/** The chunks of a function by what loads them: the stores, the EC2 reader, the Route 53 reader. */
function chunkParts(functionDir: string, chunks: string[]): { stores: string[]; ec2: string[]; dns: string[] } {
  const meta = JSON.parse(readFileSync(join(functionDir, 'meta.json'), 'utf8')) as Metafile;
  const holds = (chunk: string, pattern: RegExp) => Object.entries(meta.outputs)
    .some(([out, o]) => chunk.endsWith(out.split('/').slice(-2).join('/')) && Object.keys(o.inputs).some((i) => pattern.test(i)));
  const ec2 = chunks.filter((c) => holds(c, /client-ec2|read-(route-tables|gateways)/));
  const dns = chunks.filter((c) => holds(c, /client-route-53|client-route53resolver|read-dns/));
  return { ec2, dns, stores: chunks.filter((c) => !ec2.includes(c) && !dns.includes(c)) };
}

export function coldStartReport(root: string): string[] {
  const dir = join(root, 'dist/aws');
  if (!existsSync(dir)) return ['no function bundles: run `npm run build`'];
  const empty = wallMs(['-e', '0']);
  const lines = [`empty node start:  ${empty.toFixed(0)} ms (median of ${RUNS})`];
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name, 'index.mjs');
    if (!existsSync(file)) continue;
    const chunkDir = join(dir, name, 'chunks');
    const chunks = existsSync(chunkDir) ? readdirSync(chunkDir).filter((f) => f.endsWith('.mjs')).map((f) => join(chunkDir, f)) : [];
    const size = (files: string[]) => files.reduce((n, f) => n + statSync(f).size, 0);
    const gz = gzipSync(readFileSync(file)).length;
    const importIndex = `const m = await import(${JSON.stringify(file)}); if (typeof m.handler !== 'function') process.exit(3);`;
    const init = wallMs(['--input-type=module', '-e', importIndex]);
    // What later invocations add, by what each lazily loaded chunk holds (from esbuild's metafile):
    // the stores' SDK clients on the first invocation, EC2's or Route 53's on the first live read.
    const parts = chunkParts(join(dir, name), chunks);
    const importAll = (list: string[]) => `${importIndex} for (const c of ${JSON.stringify(list)}) await import(c);`;
    const stores = wallMs(['--input-type=module', '-e', importAll(parts.stores)]);
    const ec2 = wallMs(['--input-type=module', '-e', importAll([...parts.stores, ...parts.ec2])]);
    const dns = wallMs(['--input-type=module', '-e', importAll([...parts.stores, ...parts.dns])]);
    lines.push(`aws/${name.padEnd(10)} entry ${(size([file]) / 1024).toFixed(0).padStart(5)} KiB (${(gz / 1024).toFixed(0)} KiB gzip), `
      + `all chunks ${(size([file, ...chunks]) / 1024).toFixed(0)} KiB; init ${init.toFixed(0)} ms = ${(init / empty).toFixed(2)}x empty node `
      + `(+${(init - empty).toFixed(0)} ms); first invocation +${(stores - init).toFixed(0)} ms (stores); `
      + `first EC2 read +${(ec2 - stores).toFixed(0)} ms, first Route 53 read +${(dns - stores).toFixed(0)} ms`);
  }
  return lines;
}
