// Bundles the CLI (and, as they arrive, the cloud functions) with esbuild: one ESM file each.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const entries = [
  { in: 'cli/netdrift.ts', out: 'cli/netdrift' },
].filter((entry) => existsSync(entry.in));

await build({
  entryPoints: entries,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  sourcemap: true,
  external: ['better-sqlite3'],
  banner: {
    // Bundled CommonJS dependencies call require(); give ESM output one.
    js: "import { createRequire as __ndCreateRequire } from 'node:module'; const require = __ndCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
