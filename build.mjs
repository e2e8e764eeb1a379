// Bundles with esbuild: the CLI, and one file per cloud function (ESM, minified, source maps).
import { build } from 'esbuild';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { buildAzureApp } from './functions/azure/build-app.mjs';
import { buildGcpSource } from './functions/gcp/build-source.mjs';

const banner = {
  // Bundled CommonJS dependencies call require(); give ESM output one.
  js: "import { createRequire as __ndCreateRequire } from 'node:module'; const require = __ndCreateRequire(import.meta.url);",
};
const common = {
  bundle: true, platform: 'node', target: 'node20', mainFields: ['module', 'main'], format: 'esm', minify: true, keepNames: true, sourcemap: true,
  banner, logLevel: 'warning', legalComments: 'none',
};

// google-gax (under @google-cloud/pubsub, compute, asset, firestore) finds its .proto files through __dirname: loaded from node_modules, not bundled.
const cli = {
  entryPoints: [{ in: 'cli/netdrift.ts', out: 'cli/netdrift' }], outdir: 'dist',
  // Each command is a chunk loaded when it runs: a start parses what that command needs, not every SDK.
  splitting: true, chunkNames: 'cli/chunks/[name]-[hash]',
  // CommonJS packages the CLI imports lazily stay in node_modules too: split into a chunk, one would
  // export only a default, and `const { OAuth2Client } = await import(…)` would find nothing.
  external: ['better-sqlite3', '@google-cloud/pubsub', '@google-cloud/compute', '@google-cloud/asset', '@google-cloud/firestore', '@google-cloud/dns', 'google-auth-library'],
};
const lambdas = ['events', 'refresh', 'reconcile']
  .map((name) => ({ in: `functions/aws/lambda-${name}.ts`, out: `aws/${name}/index` }))
  .filter((entry) => existsSync(entry.in));

// Chunk names carry content hashes: clear old ones so a function directory holds only what it loads.
rmSync('dist/aws', { recursive: true, force: true });

/**
 * The CLI's chunks from earlier builds are removed after this one is written, not before: the entry
 * point is never missing, and a running `serve` loads the chunks it shares with this build.
 */
async function buildCli() {
  const result = await build({ ...common, ...cli, metafile: true });
  const written = new Set(Object.keys(result.metafile.outputs).flatMap((file) => [file, `${file}.map`]));
  const chunks = 'dist/cli/chunks';
  for (const file of readdirSync(chunks)) if (!written.has(`${chunks}/${file}`)) rmSync(`${chunks}/${file}`, { force: true });
}

await Promise.all([
  buildCli(),
  // Each function carries its own dependencies (the AWS SDK included), so what runs is what was tested;
  // split into chunks so the SDK clients load on first use, not at init (functions/aws/wiring.ts).
  ...lambdas.map(async (entry) => {
    const outdir = `dist/${entry.out.replace(/\/index$/, '')}`;
    const result = await build({
      ...common, entryPoints: { index: entry.in }, outdir,
      splitting: true, chunkNames: 'chunks/[name]-[hash]', outExtension: { '.js': '.mjs' }, metafile: true,
    });
    // Which chunk holds which sources: the bench reports each lazily loaded part by what it is.
    writeFileSync(`${outdir}/meta.json`, JSON.stringify(result.metafile));
  }),
  // The Azure Functions app: one package, dist/azure (functions/azure/build-app.mjs).
  buildAzureApp(build, common),
  // The Cloud Run functions: one source, dist/gcp (functions/gcp/build-source.mjs).
  buildGcpSource(build, common),
]);
