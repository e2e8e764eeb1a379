#!/usr/bin/env node
// Writes the catalog's EventBridge pattern where the infra reads it: infra/aws/event-pattern.json
// (the Terraform module's rules) and the spoke template's rule (between its BEGIN/END markers).
// The pattern comes from the built CLI, so run `npm run build` first:
//
//   node infra/aws/generate.mjs           # rewrite both files
//   node infra/aws/generate.mjs --check   # exit 1 when either differs from the catalog
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const cli = join(root, 'dist', 'cli', 'netdrift.js');
const patternFile = join(here, 'event-pattern.json');
const templateFile = join(here, 'spoke', 'netdrift-spoke.yaml');
const MARKED = /(# BEGIN event pattern[^\n]*\n)( *)EventPattern: [^\n]*\n( *# END event pattern)/;

/** The files' contents with `pattern` written in, as this script writes them. */
export function renderPatternFiles(pattern, template) {
  if (!MARKED.test(template)) throw new Error(`${relative(root, templateFile)}: no BEGIN/END event pattern markers`);
  return {
    json: `${JSON.stringify(pattern, null, 2)}\n`,
    template: template.replace(MARKED, (_all, begin, indent, end) => `${begin}${indent}EventPattern: ${JSON.stringify(pattern)}\n${end}`),
  };
}

function catalogPattern() {
  const out = execFileSync(process.execPath, [cli, 'catalog', '--cloud', 'aws', '--format', 'filter'], { encoding: 'utf8' });
  return JSON.parse(out);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const template = readFileSync(templateFile, 'utf8');
  const wanted = renderPatternFiles(catalogPattern(), template);
  const stale = [
    [patternFile, readFileSync(patternFile, 'utf8'), wanted.json],
    [templateFile, template, wanted.template],
  ].filter(([, now, next]) => now !== next);
  for (const [file, , next] of stale) {
    if (check) console.error(`${relative(root, file)}: differs from the catalog (run node infra/aws/generate.mjs)`);
    else writeFileSync(file, next);
  }
  if (check && stale.length > 0) process.exit(1);
  if (!check) console.log(stale.length === 0 ? 'event pattern: up to date' : `event pattern: wrote ${stale.map(([f]) => relative(root, f)).join(', ')}`);
}
