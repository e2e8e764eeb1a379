import { providerSchema, type BlockSchema, type TypeSchema } from './provider-schema.js';
import { blocksOf, type TerraformFile } from './terraform-files.js';

/** Terraform's own arguments, valid on every resource and data source (lifecycle etc. are blocks). */
const META_ATTRIBUTES = new Set(['count', 'for_each', 'provider', 'depends_on']);
const META_BLOCKS = new Set(['lifecycle', 'provisioner', 'connection']);
const MODULE_META = new Set(['source', 'version', 'providers', 'count', 'for_each', 'depends_on']);

/**
 * hashicorp/archive's `archive_file` data source: its arguments as the provider documents them
 * (https://registry.terraform.io/providers/hashicorp/archive/latest/docs/data-sources/file);
 * `output_*` checksums and sizes are computed. The AWS provider package does not cover it.
 */
const ARCHIVE_ARGUMENTS = [
  'type', 'output_path', 'output_file_mode', 'source_content', 'source_content_filename', 'source_file',
  'source_dir', 'excludes', 'exclude_symlink_directories',
];
const ARCHIVE_FILE: TypeSchema = {
  attributes: new Set(ARCHIVE_ARGUMENTS),
  blocks: new Map([['source', { attributes: new Set(['content', 'filename']), blocks: new Map() }]]),
  readable: new Set([
    ...ARCHIVE_ARGUMENTS, 'source', 'id', 'output_size', 'output_md5', 'output_sha', 'output_sha256', 'output_sha512',
    'output_base64sha256', 'output_base64sha512',
  ]),
};

/** The schema of a resource or data source type of the providers this module uses. */
export function schemaOf(kind: 'resource' | 'data', type: string): TypeSchema | undefined {
  if (type.startsWith('aws_')) return providerSchema(kind, type);
  if (kind === 'data' && type === 'archive_file') return ARCHIVE_FILE;
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Problems of one block body against its schema, each naming the file, the address and the path. */
function checkBody(body: Record<string, unknown>, schema: BlockSchema, where: string, topLevel: boolean): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (topLevel && (META_ATTRIBUTES.has(key) || META_BLOCKS.has(key))) continue;
    if (key === 'dynamic') {
      for (const [name, generators] of Object.entries(isObject(value) ? value : {})) {
        const block = schema.blocks.get(name);
        if (!block) {
          problems.push(`${where}: dynamic "${name}" is not a block of this type`);
          continue;
        }
        for (const generator of generators as Record<string, unknown>[]) {
          for (const content of (generator.content ?? []) as Record<string, unknown>[]) {
            problems.push(...checkBody(content, block, `${where}.${name}`, false));
          }
        }
      }
      continue;
    }
    const block = schema.blocks.get(key);
    if (block) {
      if (!Array.isArray(value) || !value.every(isObject)) {
        problems.push(`${where}: ${key} is a block, written as an argument`);
        continue;
      }
      for (const item of value) problems.push(...checkBody(item, block, `${where}.${key}`, false));
      continue;
    }
    if (!schema.attributes.has(key)) problems.push(`${where}: unknown argument "${key}"`);
  }
  return problems;
}

/** Module variables (name → whether it has a default) of the module's own files. */
function moduleVariables(files: readonly TerraformFile[]): Map<string, boolean> {
  const variables = new Map<string, boolean>();
  for (const file of files.filter((f) => !f.path.includes('/examples/'))) {
    for (const [name, bodies] of Object.entries((file.hcl.variable ?? {}) as Record<string, Record<string, unknown>[]>)) {
      variables.set(name, bodies.some((b) => 'default' in b));
    }
  }
  return variables;
}

/** Calls of this module (`source = "../.."` from an example): arguments must be its variables. */
function checkModuleCalls(files: readonly TerraformFile[]): string[] {
  const variables = moduleVariables(files);
  const problems: string[] = [];
  for (const file of files) {
    for (const [name, bodies] of Object.entries((file.hcl.module ?? {}) as Record<string, Record<string, unknown>[]>)) {
      for (const body of bodies) {
        if (body.source !== '../..') continue;
        for (const key of Object.keys(body)) {
          if (!MODULE_META.has(key) && !variables.has(key)) problems.push(`${file.path} module.${name}: unknown input "${key}"`);
        }
        for (const [variable, hasDefault] of variables) {
          if (!hasDefault && !(variable in body)) problems.push(`${file.path} module.${name}: required input "${variable}" missing`);
        }
      }
    }
  }
  return problems;
}

/** `provider "aws" {…}` blocks against the provider's configuration schema. */
function checkProviders(files: readonly TerraformFile[]): string[] {
  const schema = providerSchema('resource', 'aws');
  if (!schema) throw new Error('provider schema: the aws provider configuration is missing');
  return files.flatMap((file) => ((file.hcl.provider ?? {}) as Record<string, Record<string, unknown>[]>).aws?.flatMap((body) =>
    checkBody(body, schema, `${file.path} provider.aws`, false)) ?? []);
}

/**
 * Every resource and data source type, argument and nested block of the given files, checked
 * against the provider schemas; module calls against the module's variables. Empty: all known.
 */
export function schemaProblems(files: readonly TerraformFile[]): string[] {
  const problems = blocksOf(files).flatMap((block) => {
    const where = `${block.file} ${block.kind === 'data' ? 'data.' : ''}${block.type}.${block.name}`;
    const schema = schemaOf(block.kind, block.type);
    if (!schema) return [`${where}: no ${block.kind === 'data' ? 'data source' : 'resource type'} "${block.type}" in the provider`];
    return checkBody(block.body, schema, where, true);
  });
  return [...problems, ...checkModuleCalls(files), ...checkProviders(files)];
}
