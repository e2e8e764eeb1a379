import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** One delivery read from a file, or why it could not be read. */
export type InputItem =
  | { source: string; value: unknown }
  | { source: string; error: string };

/** Every file under the given paths, folders walked in name order, dotfiles skipped. */
export async function listInputFiles(paths: readonly string[]): Promise<{ files: string[]; missing: string[] }> {
  const files: string[] = [];
  const missing: string[] = [];
  const walk = async (path: string): Promise<void> => {
    const info = await stat(path).catch(() => undefined);
    if (!info) { missing.push(path); return; }
    if (!info.isDirectory()) { files.push(path); return; }
    const names = (await readdir(path)).filter((n) => !n.startsWith('.')).sort();
    for (const name of names) await walk(join(path, name));
  };
  for (const path of paths) await walk(path);
  return { files, missing };
}

function jsonError(error: unknown): string {
  return `invalid JSON: ${(error instanceof Error ? error.message : String(error)).split('\n', 1)[0]}`;
}

/**
 * The deliveries in one file: a single JSON value, each element of a JSON array, or each
 * line of JSON lines. A bad line is one error; the other lines are still read.
 */
export function deliveriesInText(file: string, text: string): InputItem[] {
  const trimmed = text.trim();
  if (trimmed === '') return [{ source: file, error: 'empty file' }];
  try {
    const value: unknown = JSON.parse(trimmed);
    if (Array.isArray(value)) return value.map((v, i) => ({ source: `${file}#${i}`, value: v }));
    return [{ source: file, value }];
  } catch (whole) {
    const lines = trimmed.split('\n').map((l) => l.trim());
    if (lines.filter((l) => l !== '').length < 2) return [{ source: file, error: jsonError(whole) }];
    const items: InputItem[] = [];
    lines.forEach((line, i) => {
      if (line === '') return;
      try {
        items.push({ source: `${file}#${i}`, value: JSON.parse(line) as unknown });
      } catch (error) {
        items.push({ source: `${file}#${i}`, error: jsonError(error) });
      }
    });
    return items;
  }
}

export async function deliveriesInFile(file: string): Promise<InputItem[]> {
  try {
    return deliveriesInText(file, await readFile(file, 'utf8'));
  } catch (error) {
    return [{ source: file, error: `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` }];
  }
}
