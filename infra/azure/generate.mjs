#!/usr/bin/env node
// Writes the catalog's Event Grid filters where the Terraform reads them: infra/azure/event-subscriptions.json,
// one named event subscription per filter (Event Grid takes at most 25 advanced-filter values per
// event subscription, fewer than the catalog's operation names). The filters come from the built CLI,
// so run `npm run build` first:
//
//   node infra/azure/generate.mjs           # rewrite event-subscriptions.json
//   node infra/azure/generate.mjs --check   # exit 1 when it differs from the catalog
//
// Only the `…Success` event types are kept: a failed or canceled ARM operation changed nothing, and the
// pipeline ignores it (core/pipeline.ts, `failed-call`); delivering it would only cost invocations.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const cli = join(root, 'dist', 'cli', 'netdrift.js');
const outputFile = join(here, 'event-subscriptions.json');

/** The event subscriptions for the catalog's filters: named `ops-1`, `ops-2`, …, Success event types only. */
export function renderEventSubscriptions(filters) {
  const subscriptions = filters.map((filter, index) => ({
    name: `ops-${index + 1}`,
    includedEventTypes: filter.includedEventTypes.filter((type) => type.endsWith('Success')),
    advancedFilters: filter.advancedFilters,
  }));
  return `${JSON.stringify({ subscriptions }, null, 2)}\n`;
}

function catalogFilters() {
  const out = execFileSync(process.execPath, [cli, 'catalog', '--cloud', 'azure', '--format', 'filter'], { encoding: 'utf8' });
  return JSON.parse(out);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const wanted = renderEventSubscriptions(catalogFilters());
  const now = readFileSync(outputFile, { encoding: 'utf8', flag: 'a+' });
  if (now === wanted) console.log('event subscriptions: up to date');
  else if (check) {
    console.error(`${relative(root, outputFile)}: differs from the catalog (run node infra/azure/generate.mjs)`);
    process.exit(1);
  } else {
    writeFileSync(outputFile, wanted);
    console.log(`event subscriptions: wrote ${relative(root, outputFile)}`);
  }
}
