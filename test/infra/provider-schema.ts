import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The arguments and nested blocks of one Terraform resource or data source type, as its provider
 * declares them. Computed-only attributes (`arn`, `id`) are not arguments and are absent: a
 * configuration may not set them.
 */
export interface BlockSchema {
  attributes: ReadonlySet<string>;
  blocks: ReadonlyMap<string, BlockSchema>;
}

/** A type's schema and what an expression may read from an instance: its arguments, blocks and computed attributes. */
export interface TypeSchema extends BlockSchema {
  readable: ReadonlySet<string>;
}

export type SchemaKind = 'resource' | 'data';

/** One Terraform provider's schema, read from the `@cdktf/provider-<name>` bindings generated from it. */
export interface TerraformProvider {
  /** The provider's local name and type prefix: `aws`, `azurerm`, `google`. */
  name: string;
  /** The provider version the bindings were generated against. */
  version(): string;
  /** The schema of `type`, or undefined when the provider has no such resource (or data source). */
  schema(kind: SchemaKind, type: string): TypeSchema | undefined;
}

/**
 * Each generated `index.js` spells a block's schema as an object literal of its HCL attributes —
 * `name: { value: …, isBlock: true|false, … }` — in `synthesizeHclAttributes()` for the top level
 * and in `function <struct>ToHclTerraform(struct)` for every nested block, whose converter the
 * block's `value` names. That is the provider schema the bindings were generated from.
 */
function attrsLiteralAfter(source: string, start: number): string {
  const open = source.indexOf('const attrs = {', start);
  if (open < 0) throw new Error('provider schema: no attrs literal');
  if (source.startsWith('const attrs = {};', open)) return ''; // a block without arguments (`ttl_config {}`)
  const indent = open - source.lastIndexOf('\n', open) - 1;
  const close = source.indexOf(`\n${' '.repeat(indent)}};`, open);
  return source.slice(open, close);
}

const ENTRY = /^ +(\w+): \{\n +value: (.*),\n +isBlock: (true|false),/gm;

function blockFrom(source: string, literal: string, seen: Set<string>): BlockSchema {
  const attributes = new Set<string>();
  const blocks = new Map<string, BlockSchema>();
  for (const [, name = '', value = '', isBlock] of literal.matchAll(ENTRY)) {
    if (isBlock !== 'true') {
      attributes.add(name);
      continue;
    }
    const converter = /(\w+ToHclTerraform)\b/.exec(value)?.[1];
    if (!converter || seen.has(converter)) throw new Error(`provider schema: block ${name} has no converter`);
    const at = source.indexOf(`function ${converter}(struct)`);
    if (at < 0) throw new Error(`provider schema: ${converter} not found`);
    blocks.set(name, blockFrom(source, attrsLiteralAfter(source, at), new Set([...seen, converter])));
  }
  return { attributes, blocks };
}

/** The computed attributes the type's own class reads (`this.getStringAttribute('arn')`, …). */
function readableOf(source: string, main: BlockSchema): Set<string> {
  const start = source.search(/ extends cdktf\.Terraform(Resource|DataSource|Provider) \{/);
  const own = source.slice(start, source.indexOf('.tfResourceType = ', start));
  const getters = [...own.matchAll(/this\.get\w*Attribute\('(\w+)'\)/g)].map((m) => m[1] ?? '');
  return new Set([...main.attributes, ...main.blocks.keys(), ...getters]);
}

const require = createRequire(import.meta.url);

/**
 * The provider `name` as `@cdktf/provider-<name>` (installed as a devDependency) declares it. Its
 * folders are named after the types: `aws_cloudwatch_event_rule` → `cloudwatch-event-rule`, data
 * sources with a `data-<name>-` prefix, the provider's own configuration `provider`; the folder's
 * own `tfResourceType` is checked, so a folder named alike for another type never counts.
 */
export function cdktfProvider(name: string): TerraformProvider {
  const lib = join(dirname(require.resolve(`@cdktf/provider-${name}/package.json`)), 'lib');
  const folderOf = (kind: SchemaKind, type: string): string => {
    if (type === name) return 'provider';
    const bare = type.slice(name.length + 1).replaceAll('_', '-');
    return kind === 'data' ? `data-${name}-${bare}` : bare;
  };
  const cache = new Map<string, TypeSchema | undefined>();
  return {
    name,
    version() {
      const pkg = JSON.parse(readFileSync(join(lib, '..', 'package.json'), 'utf8')) as { cdktf?: { provider?: { version?: string } } };
      return pkg.cdktf?.provider?.version ?? 'unknown';
    },
    schema(kind, type) {
      const key = `${kind} ${type}`;
      if (cache.has(key)) return cache.get(key);
      let schema: TypeSchema | undefined;
      const file = join(lib, folderOf(kind, type), 'index.js');
      if ((type === name || type.startsWith(`${name}_`)) && existsSync(file)) {
        const source = readFileSync(file, 'utf8');
        if (source.includes(`.tfResourceType = "${type}";`)) {
          const main = blockFrom(source, attrsLiteralAfter(source, source.indexOf('synthesizeHclAttributes() {')), new Set());
          schema = { ...main, readable: readableOf(source, main) };
        }
      }
      cache.set(key, schema);
      return schema;
    },
  };
}
