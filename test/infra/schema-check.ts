import { posix } from 'node:path';
import type { BlockSchema, SchemaKind, TerraformProvider, TypeSchema } from './provider-schema.js';
import { blocksOf, type TerraformFile } from './terraform-files.js';

/** Terraform's own arguments, valid on every resource and data source (lifecycle etc. are blocks). */
const META_ATTRIBUTES = new Set(['count', 'for_each', 'provider', 'depends_on']);
const META_BLOCKS = new Set(['lifecycle', 'provisioner', 'connection']);
const MODULE_META = new Set(['source', 'version', 'providers', 'count', 'for_each', 'depends_on']);

/**
 * hashicorp/archive's `archive_file` data source: its arguments as the provider documents them
 * (https://registry.terraform.io/providers/hashicorp/archive/latest/docs/data-sources/file);
 * `output_*` checksums and sizes are computed. No cdktf provider package covers it.
 */
const ARCHIVE_ARGUMENTS = [
  'type', 'output_path', 'output_file_mode', 'source_content', 'source_content_filename', 'source_file',
  'source_dir', 'excludes', 'exclude_symlink_directories',
];
export const ARCHIVE_FILE: TypeSchema = {
  attributes: new Set(ARCHIVE_ARGUMENTS),
  blocks: new Map([['source', { attributes: new Set(['content', 'filename']), blocks: new Map() }]]),
  readable: new Set([
    ...ARCHIVE_ARGUMENTS, 'source', 'id', 'output_size', 'output_md5', 'output_sha', 'output_sha256', 'output_sha512',
    'output_base64sha256', 'output_base64sha512',
  ]),
};

/** The providers a module uses: cdktf-derived schemas, and hand-written ones (`data archive_file`) for providers without bindings. */
export interface ModuleSchemas {
  providers: readonly TerraformProvider[];
  /** Keyed `resource <type>` or `data <type>`. */
  others?: ReadonlyMap<string, TypeSchema>;
}

/** The schema of a resource or data source type of the providers a module uses. */
export function schemaOf(schemas: ModuleSchemas, kind: SchemaKind, type: string): TypeSchema | undefined {
  const provider = schemas.providers.find((p) => type.startsWith(`${p.name}_`));
  return provider ? provider.schema(kind, type) : schemas.others?.get(`${kind} ${type}`);
}

/** The type prefixes (`aws`, `archive`) of the module's providers, as references spell them. */
export function typePrefixes(schemas: ModuleSchemas): string[] {
  const others = [...(schemas.others?.keys() ?? [])].map((key) => key.split(' ')[1]?.split('_')[0] ?? '');
  return [...new Set([...schemas.providers.map((p) => p.name), ...others])];
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

/** The variables (name → whether it has a default) of the configuration in `folder`. */
function variablesIn(files: readonly TerraformFile[], folder: string): Map<string, boolean> {
  const variables = new Map<string, boolean>();
  for (const file of files.filter((f) => posix.dirname(f.path) === folder)) {
    for (const [name, bodies] of Object.entries((file.hcl.variable ?? {}) as Record<string, Record<string, unknown>[]>)) {
      variables.set(name, bodies.some((b) => 'default' in b));
    }
  }
  return variables;
}

/**
 * Calls of a local module (`source = "../.."` from an example, `"./subscription"` from the module):
 * arguments must be the called configuration's variables, every one without a default given. A
 * `../..` that leads nowhere (a file written beside the module, as the negative tests do) is the module.
 */
function checkModuleCalls(files: readonly TerraformFile[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    for (const [name, bodies] of Object.entries((file.hcl.module ?? {}) as Record<string, Record<string, unknown>[]>)) {
      for (const body of bodies) {
        const source = String(body.source ?? '');
        if (!source.startsWith('.')) continue;
        let folder = posix.join(posix.dirname(file.path), source);
        if (source === '../..' && !files.some((f) => posix.dirname(f.path) === folder)) folder = file.path.split('/').slice(0, 2).join('/');
        const variables = variablesIn(files, folder);
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

/** `provider "<name>" {…}` blocks against each provider's configuration schema. */
function checkProviders(files: readonly TerraformFile[], providers: readonly TerraformProvider[]): string[] {
  return providers.flatMap((provider) => {
    const schema = provider.schema('resource', provider.name);
    if (!schema) throw new Error(`provider schema: the ${provider.name} provider configuration is missing`);
    return files.flatMap((file) => ((file.hcl.provider ?? {}) as Record<string, Record<string, unknown>[]>)[provider.name]?.flatMap((body) =>
      checkBody(body, schema, `${file.path} provider.${provider.name}`, false)) ?? []);
  });
}

/**
 * Every resource and data source type, argument and nested block of the given files, checked
 * against the provider schemas; module calls against the module's variables. Empty: all known.
 */
export function schemaProblems(files: readonly TerraformFile[], schemas: ModuleSchemas): string[] {
  const problems = blocksOf(files).flatMap((block) => {
    const where = `${block.file} ${block.kind === 'data' ? 'data.' : ''}${block.type}.${block.name}`;
    const schema = schemaOf(schemas, block.kind, block.type);
    if (!schema) return [`${where}: no ${block.kind === 'data' ? 'data source' : 'resource type'} "${block.type}" in the provider`];
    return checkBody(block.body, schema, where, true);
  });
  return [...problems, ...checkModuleCalls(files), ...checkProviders(files, schemas.providers)];
}
