import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../snapshots/canonical.js';
import { parseSnapshot } from '../../snapshots/parse.js';
import { sampleSnapshot } from '../contract/samples.js';

const WHERE = 'baselines/aws/111122223333.json';

type Edit = [path: (string | number)[], value: unknown];

/** The sample as JSON with each edit applied; an `undefined` value deletes the field. */
function documentWith(...edits: Edit[]): string {
  const document: unknown = JSON.parse(canonicalJson(sampleSnapshot()));
  for (const [path, value] of edits) {
    const parent = path.slice(0, -1).reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], document);
    const last = path[path.length - 1] ?? '';
    if (value === undefined) delete (parent as Record<string, unknown>)[last];
    else (parent as Record<string, unknown>)[last] = value;
  }
  return JSON.stringify(document, null, 2);
}

function errorOf(text: string): string {
  const result = parseSnapshot(text, WHERE);
  if (result.ok) throw new Error('expected a parse error');
  return result.error;
}

describe('parseSnapshot', () => {
  it('reads a valid snapshot', () => {
    const result = parseSnapshot(canonicalJson(sampleSnapshot()), WHERE);

    expect(result.ok && result.snapshot.scope).toEqual({ cloud: 'aws', account: '111122223333' });
  });

  it('names the file, the path and the bad option', () => {
    const text = documentWith([['resources', 3, 'routes', 0, 'target', 'type'], 'gateway']);

    expect(errorOf(text)).toMatch(/^baselines\/aws\/111122223333\.json: resources\[3\]\.routes\[0\]\.target\.type: invalid option "gateway" \(expected local \| internet \|/);
  });

  it('names an unknown resource kind', () => {
    const text = documentWith([['resources', 1, 'kind'], 'load-balancer']);

    expect(errorOf(text)).toMatch(/^baselines\/aws\/111122223333\.json: resources\[1\]\.kind: invalid option "load-balancer" \(expected route-table \|/);
  });

  it('names a missing required field', () => {
    const text = documentWith([['resources', 2, 'id'], undefined]);

    expect(errorOf(text)).toBe(`${WHERE}: resources[2].id: missing (expected string)`);
  });

  it('names a field of the wrong type', () => {
    const text = documentWith([['resources', 2, 'subnets'], 'subnet-02']);

    expect(errorOf(text)).toBe(`${WHERE}: resources[2].subnets: Invalid input: expected array, received string`);
  });

  it('names an unknown schema version', () => {
    const text = documentWith([['schema'], 'netdrift/snapshot@2']);

    expect(errorOf(text)).toMatch(/^baselines\/aws\/111122223333\.json: schema: invalid option "netdrift\/snapshot@2"/);
  });

  it('counts the other problems on the same line', () => {
    const text = documentWith([['resources', 0, 'id'], undefined], [['resources', 1, 'id'], undefined]);

    expect(errorOf(text)).toBe(`${WHERE}: resources[0].id: missing (expected string) (and 1 more)`);
  });

  it('gives one line, with line and column, for truncated JSON', () => {
    const text = canonicalJson(sampleSnapshot()).slice(0, 120);

    const error = errorOf(text);

    expect(error.startsWith(`${WHERE}: invalid JSON: `)).toBe(true);
    expect(error).not.toContain('\n');
  });

  it('gives the line and column of a syntax error', () => {
    expect(errorOf('{\n  "schema": "netdrift/snapshot@1",\n  x\n}')).toMatch(/^baselines\/aws\/111122223333\.json: invalid JSON: .* at line 3 column 3$/);
  });

  it('rejects a document that is not an object', () => {
    expect(errorOf('[]')).toMatch(/^baselines\/aws\/111122223333\.json: \(root\): /);
  });
});
