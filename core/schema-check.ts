import type { z } from 'zod';

/** Whether a parsed JSON value is one the schema accepts exactly as it is. */
export type AsIsCheck = (value: unknown) => boolean;

/** A zod schema's definition, as far as this file reads it (zod 4's `_zod.def`). */
interface Def {
  type: string;
  checks?: { _zod: { def: { check: string; minimum?: number } } }[];
  innerType?: Schema;
  element?: Schema;
  shape?: Record<string, Schema>;
  catchall?: Schema;
  values?: unknown[];
  entries?: Record<string, unknown>;
  options?: Schema[];
  discriminator?: string;
}

type Schema = { _zod: { def: Def } };

const never: AsIsCheck = () => false;

class Unsupported extends Error {}

function defOf(schema: Schema): Def {
  return schema._zod.def;
}

/** Length checks only (the kinds our schemas use); any other check makes the type unsupported. */
function minLength(def: Def): number {
  let minimum = 0;
  for (const check of def.checks ?? []) {
    if (check._zod.def.check !== 'min_length') throw new Unsupported(check._zod.def.check);
    minimum = Math.max(minimum, check._zod.def.minimum ?? 0);
  }
  return minimum;
}

function noChecks(def: Def): void {
  if ((def.checks ?? []).length > 0) throw new Unsupported(`${def.type} checks`);
}

function compile(schema: Schema): AsIsCheck {
  const def = defOf(schema);
  switch (def.type) {
    case 'string': {
      const min = minLength(def);
      return (v) => typeof v === 'string' && v.length >= min;
    }
    case 'number':
      noChecks(def);
      return (v) => typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'unknown':
    case 'any':
      return () => true;
    case 'literal': {
      const values = def.values ?? [];
      return values.length === 1 ? (v) => v === values[0] : (v) => values.includes(v);
    }
    case 'enum': {
      const allowed = new Set(Object.values(def.entries ?? {}));
      return (v) => allowed.has(v);
    }
    case 'array': {
      noChecks(def);
      const element = compile(def.element as Schema);
      return (v) => {
        if (!Array.isArray(v)) return false;
        for (const item of v) if (!element(item)) return false;
        return true;
      };
    }
    case 'optional': {
      const inner = compile(def.innerType as Schema);
      return (v) => v === undefined || inner(v);
    }
    // A default fills in what is missing: only a value that is present comes out as it went in.
    case 'default': {
      const inner = compile(def.innerType as Schema);
      return (v) => v !== undefined && inner(v);
    }
    case 'object':
      return compileObject(def);
    case 'union':
      return compileDiscriminated(def);
    default:
      throw new Unsupported(def.type);
  }
}

function compileObject(def: Def): AsIsCheck {
  const keys = Object.keys(def.shape ?? {});
  const checks = keys.map((key) => compile((def.shape as Record<string, Schema>)[key] as Schema));
  const catchall = def.catchall ? defOf(def.catchall).type : undefined;
  // A loose object keeps unknown members; a plain one drops them and a strict one refuses them:
  // either way a value with one does not come out as it went in.
  if (catchall !== undefined && catchall !== 'unknown') throw new Unsupported(`catchall ${catchall}`);
  const loose = catchall === 'unknown';
  const known = new Set(keys);
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
    const record = v as Record<string, unknown>;
    for (let i = 0; i < keys.length; i += 1) if (!(checks[i] as AsIsCheck)(record[keys[i] as string])) return false;
    if (!loose) for (const key in record) if (!known.has(key)) return false;
    return true;
  };
}

function compileDiscriminated(def: Def): AsIsCheck {
  const key = def.discriminator;
  if (key === undefined) throw new Unsupported('union without a discriminator');
  const byTag = new Map<unknown, AsIsCheck>();
  for (const option of def.options ?? []) {
    const tag = defOf(option).shape?.[key];
    if (!tag || defOf(tag).type !== 'literal') throw new Unsupported(`option without a literal ${key}`);
    const check = compile(option);
    for (const value of defOf(tag).values ?? []) byTag.set(value, check);
  }
  return (v) => {
    if (typeof v !== 'object' || v === null) return false;
    const check = byTag.get((v as Record<string, unknown>)[key]);
    return check !== undefined && check(v);
  };
}

/**
 * A predicate derived from a zod schema that is true only for a value the schema accepts and would
 * return unchanged (every default already present, no member it would drop). Such a value can be
 * used as parsed, without zod copying it: reading a big snapshot spent more time in zod than in
 * `JSON.parse`. Anything else (false) goes through `schema.safeParse` as before, for its
 * defaults and its error messages. A schema using a kind of check this file does not know gets a
 * predicate that is always false, so zod alone decides.
 */
export function asIsCheck(schema: z.ZodType): AsIsCheck {
  try {
    return compile(schema as unknown as Schema);
  } catch (error) {
    if (error instanceof Unsupported) return never;
    throw error;
  }
}
