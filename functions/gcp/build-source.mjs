// Builds dist/gcp: a deployable Cloud Run functions source (`gcloud functions deploy --source dist/gcp
// --entry-point events|pubsub|refresh|reconcile`). The platform runs `npm install` on it and starts
// the Functions Framework, which imports package.json's "main" as an ES module ("type": "module").
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

// Installed by the platform from package.json, not bundled: the Functions Framework registers the
// functions in its own module instance; google-gax (under compute and firestore) finds its .proto
// files through __dirname; @google-cloud/dns loses its named exports when bundled.
const EXTERNAL = ['@google-cloud/functions-framework', '@google-cloud/firestore', '@google-cloud/compute', '@google-cloud/dns'];

/** @param {typeof import('esbuild').build} build @param {import('esbuild').BuildOptions} common */
export async function buildGcpSource(build, common) {
  const outdir = 'dist/gcp';
  rmSync(outdir, { recursive: true, force: true });
  const root = JSON.parse(readFileSync('package.json', 'utf8'));
  const result = await build({
    ...common, entryPoints: { index: 'functions/gcp/index.ts' }, outdir, external: EXTERNAL,
    splitting: true, chunkNames: 'chunks/[name]-[hash]', outExtension: { '.js': '.mjs' }, metafile: true,
  });
  writeFileSync(`${outdir}/meta.json`, JSON.stringify(result.metafile));
  const dependencies = Object.fromEntries(EXTERNAL.map((name) => {
    const version = root.dependencies?.[name] ?? root.devDependencies?.[name];
    if (!version) throw new Error(`build: ${name} is not in package.json`);
    return [name, version];
  }));
  const manifest = {
    name: 'netdrift-gcp-functions', version: root.version, private: true, type: 'module', main: 'index.mjs',
    engines: root.engines, dependencies,
  };
  writeFileSync(`${outdir}/package.json`, `${JSON.stringify(manifest, null, 2)}\n`);
}
