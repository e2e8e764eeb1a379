import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? '');
}

describe('layering (DESIGN.md, Layout)', () => {
  it('core imports nothing outside core', () => {
    const outside = sourceFiles(join(ROOT, 'core')).flatMap((file) => importsOf(file)
      .filter((spec) => spec.startsWith('.') && !resolve(file, '..', spec).startsWith(join(ROOT, 'core')))
      .map((spec) => `${relative(ROOT, file)} → ${spec}`));
    expect(outside).toEqual([]);
  });

  it('snapshots imports only core', () => {
    const outside = sourceFiles(join(ROOT, 'snapshots')).flatMap((file) => importsOf(file)
      .filter((spec) => spec.startsWith('.'))
      .filter((spec) => { const target = resolve(file, '..', spec); return !target.startsWith(join(ROOT, 'core')) && !target.startsWith(join(ROOT, 'snapshots')); })
      .map((spec) => `${relative(ROOT, file)} → ${spec}`));
    expect(outside).toEqual([]);
  });
});
