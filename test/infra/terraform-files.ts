import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@cdktf/hcl2json';

/** The repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * One `.tf` file as `@cdktf/hcl2json` reads it: every block type (`resource`, `data`, `variable`,
 * `locals`, `module`, …) maps labels to lists of bodies; nested blocks are lists of objects,
 * attributes are values, and expressions are strings in `${…}`.
 */
export type HclDocument = Record<string, unknown>;

export interface TerraformFile {
  /** Path relative to the repository root. */
  path: string;
  text: string;
  hcl: HclDocument;
}

function tfFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name.startsWith('.') ? [] : tfFilesUnder(path);
    return entry.name.endsWith('.tf') ? [path] : [];
  }).sort();
}

/** Parses HCL text; a syntax error names the file. */
export async function parseHcl(path: string, text: string): Promise<HclDocument> {
  try {
    return await parse(path, text);
  } catch (error) {
    throw new Error(`${path}: HCL does not parse (${String(error)})`, { cause: error });
  }
}

const loaded = new Map<string, Promise<TerraformFile[]>>();

/** Every `.tf` under a module folder (`infra/aws`), examples included, parsed once per test file. */
export function terraformFilesUnder(moduleDir: string): Promise<TerraformFile[]> {
  let files = loaded.get(moduleDir);
  if (!files) {
    files = Promise.all(tfFilesUnder(moduleDir).map(async (file) => {
      const text = readFileSync(file, 'utf8');
      const path = relative(REPO_ROOT, file);
      return { path, text, hcl: await parseHcl(path, text) };
    }));
    loaded.set(moduleDir, files);
  }
  return files;
}

/** A labelled block's body: `resource "type" "name" {…}` → hcl.resource.type.name[0]. */
export interface Block {
  file: string;
  kind: 'resource' | 'data';
  type: string;
  name: string;
  body: Record<string, unknown>;
}

/** Every resource and data source of the given files. */
export function blocksOf(files: readonly TerraformFile[]): Block[] {
  return files.flatMap((file) => (['resource', 'data'] as const).flatMap((kind) => {
    const types = (file.hcl[kind] ?? {}) as Record<string, Record<string, Record<string, unknown>[]>>;
    return Object.entries(types).flatMap(([type, named]) => Object.entries(named).flatMap(([name, bodies]) =>
      bodies.map((body) => ({ file: file.path, kind, type, name, body }))));
  }));
}

/** The blocks of the module itself (examples left out), by `type.name`. */
export function moduleBlock(files: readonly TerraformFile[], kind: Block['kind'], address: string): Block {
  const [type, name] = address.split('.');
  const found = blocksOf(files.filter((f) => !f.path.includes('/examples/')))
    .find((b) => b.kind === kind && b.type === type && b.name === name);
  if (!found) throw new Error(`${files[0]?.path.split('/').slice(0, 2).join('/') ?? 'module'}: no ${kind} ${address}`);
  return found;
}

/** The module's `locals`, merged across its files. */
export function moduleLocals(files: readonly TerraformFile[]): Record<string, unknown> {
  const all = files.filter((f) => !f.path.includes('/examples/'))
    .flatMap((f) => (f.hcl.locals ?? []) as Record<string, unknown>[]);
  return Object.assign({}, ...all) as Record<string, unknown>;
}

/** The first (only) body of a nested block, e.g. `environment { … }`. */
export function nested(body: Record<string, unknown>, name: string): Record<string, unknown> {
  const list = body[name];
  if (!Array.isArray(list) || list.length === 0) throw new Error(`no ${name} block`);
  return list[0] as Record<string, unknown>;
}
