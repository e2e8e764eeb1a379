import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ResourceSchema, safeParseResource } from '../../core/resource.js';
import { asIsCheck } from '../../core/schema-check.js';
import { SNAPSHOT_SCHEMA, SnapshotSchema } from '../../core/snapshot.js';
import { BASE } from './base-resources.js';

const resourceAsIs = asIsCheck(ResourceSchema);
const snapshotAsIs = asIsCheck(SnapshotSchema);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A copy of `value` with the member or element at a random path deleted, replaced, or (objects) an unknown one added. */
function mutated(value: Json, choices: number[], replacement: Json): Json {
  const copy = structuredClone(value);
  let node: Json = copy;
  for (const choice of choices) {
    if (typeof node !== 'object' || node === null) break;
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[choice % keys.length] as string;
    const child: Json = (node as Record<string, Json>)[key] as Json;
    const op = choice % 4;
    if (op === 0 || typeof child !== 'object' || child === null) {
      if (Array.isArray(node)) node[Number(key)] = replacement;
      else if (op === 1) delete node[key];
      else if (op === 2) node[`x${choice}`] = replacement;
      else node[key] = replacement;
      return copy;
    }
    node = child;
  }
  return copy;
}

describe('a check derived from the zod schema: true only for what zod accepts and returns unchanged', () => {
  it('accepts every kind as netdrift writes it, and refuses what zod would refuse or fill in', () => {
    for (const resource of Object.values(BASE)) expect(resourceAsIs(resource), resource.kind).toBe(true);

    const { subnets: _subnets, ...withoutDefault } = BASE['route-table'];
    expect(resourceAsIs(withoutDefault)).toBe(false); // zod adds `subnets: []`
    expect(ResourceSchema.safeParse(withoutDefault).success).toBe(true);
    expect(resourceAsIs({ ...BASE.subnet, kind: 'subnet-x' })).toBe(false);
    expect(resourceAsIs({ ...BASE['dns-zone'], name: '' })).toBe(false);
    expect(resourceAsIs({ ...BASE['route-table'], routes: [{ destination: '10.0.0.0/8', target: { type: 'gateway' } }] })).toBe(false);
    expect(resourceAsIs({ ...BASE.peering, extra: { kept: true } })).toBe(true); // loose: unknown members stay
  });

  it('agrees with zod on thousands of mutated resources and snapshots (never true where zod fails or changes the value)', () => {
    const resources = Object.values(BASE) as unknown as Json[];
    const snapshot: Json = { schema: SNAPSHOT_SCHEMA, scope: { cloud: 'aws', account: '111122223333' }, capturedAt: '2026-11-26T00:00:00Z', resources };
    let accepted = 0;
    fc.assert(fc.property(
      fc.integer({ min: 0, max: resources.length }), fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), fc.jsonValue() as fc.Arbitrary<Json>,
      (pick, choices, replacement) => {
        const [value, check, schema] = pick === resources.length
          ? [mutated(snapshot, choices, replacement), snapshotAsIs, SnapshotSchema as z.ZodType]
          : [mutated(resources[pick] as Json, choices, replacement), resourceAsIs, ResourceSchema as z.ZodType];
        if (!check(value)) return;
        accepted += 1;
        const parsed = schema.safeParse(value);
        expect(parsed.success).toBe(true);
        expect(parsed.data).toStrictEqual(value);
      },
    ), { numRuns: 5000 });
    expect(accepted).toBeGreaterThan(100);
  });

  it('safeParseResource returns an as-is value itself, and zod\'s copy (defaults filled in) otherwise', () => {
    const table = structuredClone(BASE['route-table']);
    expect(safeParseResource(table).data).toBe(table);

    const { subnets: _subnets, ...bare } = table;
    expect(safeParseResource(bare).data).toEqual({ ...bare, subnets: [] });
    expect(safeParseResource({ ...bare, kind: 'gateway' }).success).toBe(false);
  });

  it('a schema with checks it does not know (a regex, a plain object that drops members, a plain union) is left to zod alone', () => {
    expect(asIsCheck(z.string().regex(/^a/))('abc')).toBe(false);
    expect(asIsCheck(z.object({ a: z.string() }))({ a: 'x' })).toBe(true);
    expect(asIsCheck(z.object({ a: z.string() }))({ a: 'x', b: 1 })).toBe(false); // zod would drop `b`
    expect(asIsCheck(z.union([z.string(), z.number()]))('x')).toBe(false);
    expect(asIsCheck(z.number().int())(1)).toBe(false);
  });
});
