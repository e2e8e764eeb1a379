import { dirname, posix } from 'node:path';
import { schemaOf, typePrefixes, type ModuleSchemas } from './schema-check.js';
import type { HclDocument, TerraformFile } from './terraform-files.js';

/** What one configuration (a folder of `.tf` files) declares, as its expressions may name it. */
interface Declared {
  variables: Set<string>;
  locals: Set<string>;
  resources: Set<string>;
  data: Set<string>;
  modules: Map<string, string>;
  outputs: Set<string>;
}

function keysOf(hcl: HclDocument, block: string): string[] {
  return Object.keys((hcl[block] ?? {}) as Record<string, unknown>);
}

function labelled(hcl: HclDocument, block: string): string[] {
  return Object.entries((hcl[block] ?? {}) as Record<string, Record<string, unknown>>)
    .flatMap(([type, named]) => Object.keys(named).map((name) => `${type}.${name}`));
}

function declared(files: readonly TerraformFile[]): Declared {
  const d: Declared = { variables: new Set(), locals: new Set(), resources: new Set(), data: new Set(), modules: new Map(), outputs: new Set() };
  for (const { hcl } of files) {
    keysOf(hcl, 'variable').forEach((v) => d.variables.add(v));
    keysOf(hcl, 'output').forEach((o) => d.outputs.add(o));
    for (const locals of (hcl.locals ?? []) as Record<string, unknown>[]) Object.keys(locals).forEach((l) => d.locals.add(l));
    labelled(hcl, 'resource').forEach((r) => d.resources.add(r));
    labelled(hcl, 'data').forEach((r) => d.data.add(r));
    for (const [name, bodies] of Object.entries((hcl.module ?? {}) as Record<string, { source?: string }[]>)) {
      d.modules.set(name, bodies[0]?.source ?? '');
    }
  }
  return d;
}

/** The `${…}` parts of a string as hcl2json keeps expressions (nested templates stay inside their part). */
function expressionsIn(text: string): string[] {
  const parts: string[] = [];
  for (let at = text.indexOf('${'); at >= 0; at = text.indexOf('${', at)) {
    let depth = 0;
    let end = at + 1;
    for (; end < text.length; end += 1) {
      if (text[end] === '{') depth += 1;
      if (text[end] === '}' && --depth === 0) break;
    }
    parts.push(text.slice(at + 2, end));
    at = end;
  }
  return parts;
}

function stringsIn(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(stringsIn);
  if (typeof node === 'object' && node !== null) return Object.values(node).flatMap(stringsIn);
  return [];
}

const INDEX = String.raw`(?:\[[^\]]*\])?`;
const VAR = /\bvar\.(\w+)/g;
const LOCAL = /\blocal\.(\w+)/g;
const DATA = new RegExp(String.raw`\bdata\.(\w+)\.(\w+)${INDEX}(?:\.(\w+))?`, 'g');
const MODULE = new RegExp(String.raw`\bmodule\.(\w+)${INDEX}(?:\.(\w+))?`, 'g');

/** Problems of the references in one expression, each naming what is missing. */
function expressionProblems(expression: string, d: Declared, moduleOutputs: (source: string) => Set<string>, schemas: ModuleSchemas): string[] {
  const resource = new RegExp(String.raw`(?<![\w.])((?:${typePrefixes(schemas).join('|')})_\w+)\.(\w+)${INDEX}(?:\.(\w+))?`, 'g');
  const problems: string[] = [];
  for (const [, name = ''] of expression.matchAll(VAR)) if (!d.variables.has(name)) problems.push(`var.${name} is not declared`);
  for (const [, name = ''] of expression.matchAll(LOCAL)) if (!d.locals.has(name)) problems.push(`local.${name} is not declared`);
  const check = (kind: 'resource' | 'data', type: string, name: string, attribute: string | undefined, set: Set<string>) => {
    const address = `${kind === 'data' ? 'data.' : ''}${type}.${name}`;
    if (!set.has(`${type}.${name}`)) return problems.push(`${address} is not declared`);
    if (attribute && !schemaOf(schemas, kind, type)?.readable.has(attribute)) problems.push(`${address}.${attribute}: no such attribute`);
    return 0;
  };
  for (const [, type = '', name = '', attribute] of expression.matchAll(DATA)) check('data', type, name, attribute, d.data);
  for (const [, type = '', name = '', attribute] of expression.matchAll(resource)) check('resource', type, name, attribute, d.resources);
  for (const [, name = '', output] of expression.matchAll(MODULE)) {
    const source = d.modules.get(name);
    if (source === undefined) problems.push(`module.${name} is not declared`);
    else if (output && !moduleOutputs(source).has(output)) problems.push(`module.${name}.${output}: no such output`);
  }
  return problems;
}

/**
 * Every reference of every expression — `var.`, `local.`, resources, `data.`, `module.` outputs —
 * checked against what its configuration declares and what the provider lets it read: the errors
 * `terraform validate` would report first, found without providers.
 */
export function referenceProblems(files: readonly TerraformFile[], schemas: ModuleSchemas): string[] {
  const folders = [...new Set(files.map((f) => dirname(f.path)))];
  const declaredIn = new Map(folders.map((folder) => [folder, declared(files.filter((f) => dirname(f.path) === folder))]));
  return files.flatMap((file) => {
    const folder = dirname(file.path);
    const d = declaredIn.get(folder) as Declared;
    const moduleOutputs = (source: string) => declaredIn.get(posix.join(folder, source))?.outputs ?? new Set<string>();
    return [...new Set(stringsIn(file.hcl).flatMap(expressionsIn))]
      .flatMap((expression) => expressionProblems(expression, d, moduleOutputs, schemas).map((p) => `${file.path}: ${p}`));
  });
}
