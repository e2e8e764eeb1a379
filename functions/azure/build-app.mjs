// Builds the Azure Functions app into dist/azure as a deployable package (zip deploy or
// `func azure functionapp publish`): app.mjs (the package's `main`, which registers every function
// through the v4 programming model), its lazily loaded chunks, host.json and package.json.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

const OUTDIR = 'dist/azure';

// HTTP and timer triggers run natively in the Functions host: no extension bundle is needed.
const host = {
  version: '2.0',
  functionTimeout: '00:10:00',
  logging: { logLevel: { default: 'Information' }, applicationInsights: { samplingSettings: { isEnabled: true, excludedTypes: 'Request' } } },
  extensions: { http: { routePrefix: 'api' } },
};

/**
 * `build` is esbuild's, `common` the shared options of build.mjs. `@azure/functions` is bundled (the
 * package needs no npm install); `@azure/functions-core` is not a package but the worker's built-in
 * module, reached through `require` at run time.
 */
export async function buildAzureApp(build, common) {
  // Built beside and swapped in whole: a test running the app meanwhile never finds half a package.
  const staging = `dist/.azure-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const result = await build({
    ...common, entryPoints: { app: 'functions/azure/app.ts' }, outdir: staging, external: ['@azure/functions-core'],
    splitting: true, chunkNames: 'chunks/[name]-[hash]', outExtension: { '.js': '.mjs' }, metafile: true,
  });
  const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
  const manifest = {
    name: 'netdrift-azure-functions', version, private: true, type: 'module', main: 'app.mjs',
    description: 'netdrift on Azure Functions (v4 Node.js programming model); everything it runs is bundled: nothing to install.',
    engines: { node: '>=20' }, dependencies: {},
  };
  writeFileSync(`${staging}/host.json`, `${JSON.stringify(host, null, 2)}\n`);
  writeFileSync(`${staging}/package.json`, `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(`${staging}/meta.json`, JSON.stringify(result.metafile));
  rmSync(OUTDIR, { recursive: true, force: true });
  renameSync(staging, OUTDIR);
}
