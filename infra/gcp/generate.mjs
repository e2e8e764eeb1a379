#!/usr/bin/env node
// Writes the catalog's Log Router filter where the Terraform reads it: infra/gcp/log-filter.txt.
// The filter comes from the built CLI, so run `npm run build` first:
//
//   node infra/gcp/generate.mjs           # rewrite log-filter.txt
//   node infra/gcp/generate.mjs --check   # exit 1 when it differs from the catalog
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const cli = join(root, 'dist', 'cli', 'netdrift.js');
const filterFile = join(here, 'log-filter.txt');

function catalogFilter() {
  return execFileSync(process.execPath, [cli, 'catalog', '--cloud', 'gcp', '--format', 'filter'], { encoding: 'utf8' }).trim();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const wanted = `${catalogFilter()}\n`;
  const now = readFileSync(filterFile, { encoding: 'utf8', flag: 'a+' });
  if (now === wanted) console.log('log filter: up to date');
  else if (check) {
    console.error(`${relative(root, filterFile)}: differs from the catalog (run node infra/gcp/generate.mjs)`);
    process.exit(1);
  } else {
    writeFileSync(filterFile, wanted);
    console.log(`log filter: wrote ${relative(root, filterFile)}`);
  }
}
