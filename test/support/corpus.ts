import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParsedRecord } from '../../core/change.js';
import type { CloudAdapter } from '../../core/ports.js';

/**
 * The real published sample events in `../shared/corpus` (DESIGN.md, "Testing with real parts").
 * A user's clone may not have it: tests skip then, with one visible line, but never under CI=true.
 */
export const CORPUS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/corpus');

export function corpusAvailable(): boolean {
  if (existsSync(CORPUS_DIR)) return true;
  if (process.env.CI === 'true') throw new Error(`corpus missing at ${CORPUS_DIR} (required under CI=true)`);
  console.warn(`skipping corpus tests: ${CORPUS_DIR} not found`);
  return false;
}

/** Files of one cloud's corpus folder (`aws`, `azure`, `gcp`, `arm`), as absolute paths. */
export function corpusFiles(folder: string): string[] {
  const dir = join(CORPUS_DIR, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => !name.endsWith('.md')).sort().map((name) => join(dir, name));
}

/** A corpus file's name and path, for `it.each`. */
export function corpusCases(files: readonly string[]): [string, string][] {
  return files.map((file) => [basename(file), file]);
}

/** What the adapters make of one corpus document: which of them accept it, and what the first parses. */
export function readCorpusDocument(adapters: readonly CloudAdapter[], raw: unknown): { matched: string[]; records: ParsedRecord[] | undefined } {
  const matching = adapters.filter((adapter) => adapter.matches(raw));
  return { matched: matching.map((adapter) => adapter.name), records: matching[0]?.parse(raw) };
}
